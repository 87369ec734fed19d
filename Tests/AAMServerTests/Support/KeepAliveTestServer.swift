import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// A minimal HTTP/1.1 vendor for upstream-client tests, which `FakeUpstream` cannot be: it counts
/// the connections it accepted, can close them all while they are idle (a vendor or load
/// balancer dropping keep-alive connections), can take a request and close without answering,
/// and can speak TLS. Every request gets `200 {"n":N}` on a keep-alive connection.
final class KeepAliveTestServer: Sendable {
    enum Answer: Sendable {
        case ok
        /// Reads the whole request, then closes the connection without a byte of answer.
        case closeWithoutAnswer
    }

    final class Shared: Sendable {
        struct State {
            var accepted = 0
            var requests = 0
            var answer = Answer.ok
            var children: [ObjectIdentifier: any Channel] = [:]
            var hosts: [String] = []
            /// Sent as `Keep-Alive:` on every answer when set (e.g. `timeout=2`).
            var keepAliveHeader: String?
        }
        let state = Mutex(State())
    }

    let port: Int
    let shared: Shared
    private let channel: any Channel

    private init(port: Int, shared: Shared, channel: any Channel) {
        self.port = port
        self.shared = shared
        self.channel = channel
    }

    static func start(tls: NIOSSLContext? = nil) async throws -> KeepAliveTestServer {
        let shared = Shared()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    if let tls { try child.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    try child.pipeline.syncOperations.configureHTTPServerPipeline()
                    try child.pipeline.syncOperations.addHandler(Handler(shared: shared))
                    let key = ObjectIdentifier(child)
                    shared.state.withLock {
                        $0.accepted += 1
                        $0.children[key] = child
                    }
                    child.closeFuture.whenComplete { _ in shared.state.withLock { _ = $0.children.removeValue(forKey: key) } }
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        guard let port = channel.localAddress?.port else { throw HarnessError("test server has no port") }
        return KeepAliveTestServer(port: port, shared: shared, channel: channel)
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }
    var acceptedConnections: Int { shared.state.withLock { $0.accepted } }
    var requests: Int { shared.state.withLock { $0.requests } }
    var openConnections: Int { shared.state.withLock { $0.children.count } }
    var hostHeaders: [String] { shared.state.withLock { $0.hosts } }

    func setAnswer(_ answer: Answer) {
        shared.state.withLock { $0.answer = answer }
    }

    func setKeepAliveHeader(_ value: String?) {
        shared.state.withLock { $0.keepAliveHeader = value }
    }

    /// Closes every accepted connection and returns once they are closed on this side.
    func closeAllConnections() async {
        let children = shared.state.withLock { Array($0.children.values) }
        for child in children { try? await child.close() }
    }

    func stop() async {
        await closeAllConnections()
        try? await channel.close()
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let shared: Shared

        init(shared: Shared) { self.shared = shared }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                shared.state.withLock { $0.hosts.append(head.headers["host"].first ?? "") }
            case .body: break
            case .end:
                let (answer, n, keepAlive) = shared.state.withLock { state in
                    state.requests += 1
                    return (state.answer, state.requests, state.keepAliveHeader)
                }
                guard answer == .ok else {
                    context.close(promise: nil)
                    return
                }
                let body = ByteBuffer(string: #"{"n":\#(n)}"#)
                var headers = HTTPHeaders()
                headers.add(name: "content-type", value: "application/json")
                headers.add(name: "content-length", value: String(body.readableBytes))
                if let keepAlive { headers.add(name: "keep-alive", value: keepAlive) }
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }
}
