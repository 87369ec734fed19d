import NIOCore
import NIOPosix
import Synchronization

/// A tiny HTTP CONNECT proxy on loopback, as an enterprise egress proxy behaves for `https`
/// targets: reads `CONNECT host:port`, opens the tunnel, answers `200`, then copies bytes both
/// ways. It records every CONNECT target, so a test can tell a proxied call from a direct one.
final class ConnectTestProxy: Sendable {
    let port: Int
    private let recorder: Recorder
    private let channel: any Channel
    private let connections: AcceptedConnections

    private init(port: Int, recorder: Recorder, channel: any Channel, connections: AcceptedConnections) {
        self.port = port
        self.recorder = recorder
        self.channel = channel
        self.connections = connections
    }

    /// Each CONNECT target in order (`127.0.0.1:PORT`).
    var connects: [String] { recorder.targets.withLock { $0 } }
    var url: String { "http://127.0.0.1:\(port)" }

    static func start() async throws -> ConnectTestProxy {
        let recorder = Recorder()
        let connections = AcceptedConnections()
        let (channel, port) = try await LoopbackTestServer.bind(connections: connections) { child in
            try child.pipeline.syncOperations.addHandler(ConnectHandler(record: { target in recorder.targets.withLock { $0.append(target) } }))
        }
        return ConnectTestProxy(port: port, recorder: recorder, channel: channel, connections: connections)
    }

    func stop() async {
        await connections.closeAll()
        try? await channel.close()
    }

    private final class Recorder: Sendable {
        let targets = Mutex<[String]>([])
    }

    private final class ConnectHandler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let record: @Sendable (String) -> Void
        var head = ByteBuffer()
        var peer: (any Channel)?
        var connecting = false

        init(record: @escaping @Sendable (String) -> Void) { self.record = record }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var bytes = unwrapInboundIn(data)
            if let peer {
                peer.writeAndFlush(bytes, promise: nil)
                return
            }
            guard !connecting else { return }  // the client waits for 200 before sending more
            head.writeBuffer(&bytes)
            let text = String(buffer: head)
            guard text.contains("\r\n\r\n") else { return }
            let parts = text.prefix { $0 != "\r" }.split(separator: " ")
            guard parts.count >= 2, parts[0] == "CONNECT", let colon = parts[1].lastIndex(of: ":"), let port = Int(parts[1][parts[1].index(after: colon)...])
            else {
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")), promise: nil)
                context.close(promise: nil)
                return
            }
            let host = String(parts[1][..<colon])
            record(String(parts[1]))
            connecting = true
            let inbound = context.channel
            let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
            ClientBootstrap(group: context.eventLoop)
                .channelInitializer { outbound in
                    outbound.eventLoop.makeCompletedFuture { try outbound.pipeline.syncOperations.addHandler(Relay(partner: inbound)) }
                }
                .connect(host: host, port: port)
                .whenComplete { result in
                    switch result {
                    case .success(let outbound):
                        bound.value.peer = outbound
                        inbound.writeAndFlush(ByteBuffer(string: "HTTP/1.1 200 Connection Established\r\n\r\n"), promise: nil)
                    case .failure:
                        inbound.writeAndFlush(ByteBuffer(string: "HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n"), promise: nil)
                        inbound.close(promise: nil)
                    }
                }
        }

        func channelInactive(context: ChannelHandlerContext) {
            peer?.close(promise: nil)
            context.fireChannelInactive()
        }
    }

    /// Copies the target's bytes back to the client and closes it when the target closes.
    private final class Relay: ChannelInboundHandler {
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
