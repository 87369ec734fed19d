import AAMCore
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// RFC 5424 syslog over TCP, octet-counting framing (RFC 6587), optionally inside TLS.
///
/// Plain syslog has no acknowledgements, so "delivered" means: written and flushed on a
/// connection the kernel still calls established, and still established `settleTime` later. A
/// receiver that went away resets or closes the connection; its batch is then sent again on a
/// new connection (the receiver may see some events twice, never a gap). The connection is
/// kept between batches and reopened on demand.
///
/// Why ask the kernel (`TCP_INFO`) and not only `Channel.isActive`: `isActive` changes only
/// when the event loop gets round to reading the receiver's FIN or RST, which on a busy machine
/// can come after the settle time; a batch written into a connection the receiver had already
/// closed would then count as delivered. The kernel's state is current: a receiver that closed
/// is `CLOSE_WAIT` before we write, and a reset one is closed after. What no sender can see is
/// a receiver that dies with our bytes unread in its buffer.
final class SyslogTCPTransport: SIEMTransport {
    let name = "syslog"
    let host: String
    let port: Int
    let formatter: SyslogMessage
    let settleTime: Duration
    let sslContext: NIOSSLContext?
    let writeTimeout: TimeAmount = .seconds(10)
    private let connection = Mutex<(any Channel)?>(nil)

    init(host: String, port: Int, tls: Bool, caFile: String?, formatter: SyslogMessage, settleTime: Duration) throws(StartupError) {
        self.host = host
        self.port = port
        self.formatter = formatter
        self.settleTime = settleTime
        sslContext = tls ? try Self.tlsContext(caFile: caFile) : nil
    }

    /// The client TLS context: TLS 1.2 or later, the receiver's certificate verified (chain and
    /// host name, or IP address when the target is one) against `caFile` or the system roots.
    static func tlsContext(caFile: String?) throws(StartupError) -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let caFile { configuration.trustRoots = .file(caFile) }
        configuration.minimumTLSVersion = .tlsv12
        do { return try NIOSSLContext(configuration: configuration) } catch {
            throw StartupError("--siem-syslog-tls: cannot set up TLS (\(error))")
        }
    }

    var target: String { "\(sslContext == nil ? "tcp" : "tls")://\(host):\(port)" }

    func deliver(_ events: [SIEMEvent]) async -> SIEMDeliveryResult {
        let channel: any Channel
        do { channel = try await connected() } catch {
            return .retry("cannot connect to \(host):\(port): \(Self.describe(error))")
        }
        var buffer = channel.allocator.buffer(capacity: events.count * 512)
        for event in events { buffer.writeBytes(formatter.frame(for: event)) }
        // A receiver that stops reading must not hang the sink: close and retry after a while.
        let timeout = channel.eventLoop.scheduleTask(in: writeTimeout) { channel.close(promise: nil) }
        do {
            try await channel.writeAndFlush(buffer).get()
            timeout.cancel()
        } catch {
            timeout.cancel()
            drop(channel)
            return .retry("write to \(host):\(port) failed: \(Self.describe(error))")
        }
        try? await Task.sleep(for: settleTime)
        guard await Self.isEstablished(channel) else {
            drop(channel)
            return .retry("connection to \(host):\(port) closed right after a write; resending")
        }
        return .delivered
    }

    func shutdown() async {
        let channel = connection.withLock { current -> (any Channel)? in
            defer { current = nil }
            return current
        }
        try? await channel?.close().get()
    }

    private func connected() async throws -> any Channel {
        if let channel = connection.withLock({ $0 }) {
            if await Self.isEstablished(channel) { return channel }
            drop(channel)
        }
        let sslContext = sslContext
        let serverHostname = Self.isIPAddress(host) ? nil : host
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(5))
            .channelOption(.socketOption(.so_keepalive), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let sslContext {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: sslContext, serverHostname: serverHostname))
                    }
                    try channel.pipeline.syncOperations.addHandler(DiscardInbound())
                }
            }
            .connect(host: host, port: port).get()
        connection.withLock { $0 = channel }
        return channel
    }

    private func drop(_ channel: any Channel) {
        connection.withLock { current in
            if current === channel { current = nil }
        }
        channel.close(promise: nil)
    }

    /// Whether the channel is open and its socket is in the kernel's `ESTABLISHED` state (see
    /// the type's comment for why `isActive` alone is not enough).
    static func isEstablished(_ channel: any Channel) async -> Bool {
        guard channel.isActive else { return false }
        #if os(Linux)
        guard let socket = channel as? any SocketOptionProvider, let info = try? await socket.getTCPInfo().get() else {
            return channel.isActive
        }
        return info.tcpi_state == UInt8(TCP_ESTABLISHED)
        #else
        return true
        #endif
    }

    static func isIPAddress(_ host: String) -> Bool {
        host.contains(":") || host.allSatisfy { $0.isNumber || $0 == "." }
    }

    /// A short reason without any payload.
    static func describe(_ error: any Error) -> String {
        String(describing: error).prefix(200).description
    }
}

/// Syslog receivers send nothing back; reading still matters, because it is how a closed
/// connection is noticed (end of file closes the channel).
private final class DiscardInbound: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
