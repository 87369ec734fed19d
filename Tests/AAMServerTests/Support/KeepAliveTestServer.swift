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
            var requests = 0
            var answer = Answer.ok
            var hosts: [String] = []
            /// Sent as `Keep-Alive:` on every answer when set (e.g. `timeout=2`).
            var keepAliveHeader: String?
        }
        let state = Mutex(State())
    }

    let port: Int
    let shared: Shared
    let connections: AcceptedConnections
    private let channel: any Channel

    private init(port: Int, shared: Shared, connections: AcceptedConnections, channel: any Channel) {
        self.port = port
        self.shared = shared
        self.connections = connections
        self.channel = channel
    }

    static func start(tls: NIOSSLContext? = nil) async throws -> KeepAliveTestServer {
        let shared = Shared()
        let connections = AcceptedConnections()
        let (channel, port) = try await LoopbackTestServer.bind(connections: connections) { child in
            if let tls { try child.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
            try child.pipeline.syncOperations.configureHTTPServerPipeline()
            try child.pipeline.syncOperations.addHandler(Handler(shared: shared))
        }
        return KeepAliveTestServer(port: port, shared: shared, connections: connections, channel: channel)
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }
    var acceptedConnections: Int { connections.accepted }
    var requests: Int { shared.state.withLock { $0.requests } }
    var openConnections: Int { connections.open.count }
    var hostHeaders: [String] { shared.state.withLock { $0.hosts } }

    func setAnswer(_ answer: Answer) {
        shared.state.withLock { $0.answer = answer }
    }

    func setKeepAliveHeader(_ value: String?) {
        shared.state.withLock { $0.keepAliveHeader = value }
    }

    /// Closes every accepted connection and returns once they are closed on this side.
    func closeAllConnections() async {
        await connections.closeAll()
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
