import NIOCore
import NIOPosix
import NIOSSL

/// Terminates TLS on loopback in front of a plain HTTP test server (the fake vendor), as a
/// vendor's TLS edge does: each accepted connection gets a plain connection to the backend and
/// bytes are copied both ways. With a client-verifying context it admits only trusted clients.
final class TLSFrontTestServer: Sendable {
    let port: Int
    private let channel: any Channel
    private let connections: AcceptedConnections

    private init(port: Int, channel: any Channel, connections: AcceptedConnections) {
        self.port = port
        self.channel = channel
        self.connections = connections
    }

    var baseURL: String { "https://127.0.0.1:\(port)" }

    static func start(tls: NIOSSLContext, backendPort: Int) async throws -> TLSFrontTestServer {
        let connections = AcceptedConnections()
        let (channel, port) = try await LoopbackTestServer.bind(connections: connections) { child in
            try child.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls))
            try child.pipeline.syncOperations.addHandler(Front(backendPort: backendPort))
        }
        return TLSFrontTestServer(port: port, channel: channel, connections: connections)
    }

    func stop() async {
        await connections.closeAll()
        try? await channel.close()
    }

    /// Buffers what the client sends until the backend connection is up, then relays.
    private final class Front: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let backendPort: Int
        var backend: (any Channel)?
        var pending: [ByteBuffer] = []

        init(backendPort: Int) { self.backendPort = backendPort }

        func channelActive(context: ChannelHandlerContext) {
            let inbound = context.channel
            let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
            ClientBootstrap(group: context.eventLoop)
                .channelInitializer { outbound in
                    outbound.eventLoop.makeCompletedFuture { try outbound.pipeline.syncOperations.addHandler(Back(partner: inbound)) }
                }
                .connect(host: "127.0.0.1", port: backendPort)
                .whenComplete { result in
                    switch result {
                    case .success(let outbound):
                        let front = bound.value
                        front.backend = outbound
                        for buffer in front.pending { outbound.write(buffer, promise: nil) }
                        front.pending = []
                        outbound.flush()
                    case .failure:
                        inbound.close(promise: nil)
                    }
                }
            context.fireChannelActive()
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let bytes = unwrapInboundIn(data)
            if let backend { backend.writeAndFlush(bytes, promise: nil) } else { pending.append(bytes) }
        }

        func channelInactive(context: ChannelHandlerContext) {
            backend?.close(promise: nil)
            context.fireChannelInactive()
        }
    }

    private final class Back: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let partner: any Channel

        init(partner: any Channel) { self.partner = partner }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            partner.writeAndFlush(unwrapInboundIn(data), promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            partner.close(promise: nil)
            context.fireChannelInactive()
        }
    }
}
