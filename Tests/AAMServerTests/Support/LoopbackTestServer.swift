import NIOCore
import NIOPosix
import Synchronization

/// The connections a loopback test server accepted: counted, and held until they close, so a
/// test can close them, hang them up or wait for them.
final class AcceptedConnections: Sendable {
    private let state = Mutex((accepted: 0, open: [ObjectIdentifier: any Channel]()))

    /// Connections accepted since the start.
    var accepted: Int { state.withLock { $0.accepted } }
    /// Connections not yet closed.
    var open: [any Channel] { state.withLock { Array($0.open.values) } }

    fileprivate func track(_ child: any Channel) {
        let key = ObjectIdentifier(child)
        state.withLock {
            $0.accepted += 1
            $0.open[key] = child
        }
        child.closeFuture.whenComplete { [self] _ in state.withLock { _ = $0.open.removeValue(forKey: key) } }
    }

    /// Closes every open connection and returns once they are closed on this side.
    func closeAll() async {
        for child in open { try? await child.close() }
    }
}

/// A test server on 127.0.0.1 (a free port): each accepted connection gets the handlers
/// `configure` adds and is tracked in `connections`.
enum LoopbackTestServer {
    static func bind(
        connections: AcceptedConnections, configure: @escaping @Sendable (any Channel) throws -> Void
    ) async throws -> (channel: any Channel, port: Int) {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try configure(child)
                    connections.track(child)
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        guard let port = channel.localAddress?.port else { throw HarnessError("loopback test server has no port") }
        return (channel, port)
    }
}
