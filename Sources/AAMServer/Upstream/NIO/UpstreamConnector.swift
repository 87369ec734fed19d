import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// Opens connections to vendors: TCP (no Nagle), TLS when the endpoint is `https` (verified
/// against the system roots unless the transport was given others), HTTP/1.1 codecs, and the
/// exchange handler at the end.
struct UpstreamConnector: Sendable {
    let group: any EventLoopGroup
    let connectTimeout: TimeAmount
    /// Nil when the TLS configuration could not be loaded (`tlsProblem` says why).
    let sslContext: NIOSSLContext?
    let tlsProblem: String?
    /// An idle pooled connection is closed after this long.
    let poolIdleTimeout: TimeAmount

    /// A connection to `endpoint`, given up at `connectTimeout` or `deadline`, whichever comes first.
    func connect(to endpoint: UpstreamEndpoint, id: Int, deadline: NIODeadline, onReusable: @escaping @Sendable () -> Void) async throws
        -> UpstreamConnection
    {
        var tls: NIOSSLContext?
        if endpoint.tls {
            guard let sslContext else { throw UpstreamFailure.connect("TLS is not available: \(tlsProblem ?? "no context")") }
            tls = sslContext
        }
        // SNI names only: for an IP address NIOSSL verifies the certificate against the peer's address.
        let serverHostname = SyslogTCPTransport.isIPAddress(endpoint.host) ? nil : endpoint.host
        let poolIdleTimeout = poolIdleTimeout
        do {
            // On the caller's event loop when it runs on one of the group's (aamd runs Swift tasks
            // there): the connection's events and the task reading it share a thread.
            let loop = MultiThreadedEventLoopGroup.currentEventLoop.flatMap { current in
                group.makeIterator().contains { $0 === current } ? current : nil
            } ?? group.next()
            return try await ClientBootstrap(group: loop)
                .connectTimeout(max(.milliseconds(1), min(connectTimeout, deadline - .now())))
                .channelOption(.tcpOption(.tcp_nodelay), value: 1)
                .connect(host: endpoint.host, port: endpoint.port) { [tls] channel in
                    channel.eventLoop.makeCompletedFuture {
                        let pipeline = channel.pipeline.syncOperations
                        if let tls { try pipeline.addHandler(NIOSSLClientHandler(context: tls, serverHostname: serverHostname)) }
                        try pipeline.addHTTPClientHandlers()
                        let handler = UpstreamExchangeHandler(poolIdleTimeout: poolIdleTimeout, onReusable: onReusable)
                        try pipeline.addHandler(handler)
                        return UpstreamConnection(id: id, channel: channel, handler: NIOLoopBound(handler, eventLoop: channel.eventLoop))
                    }
                }
        } catch let error as UpstreamFailure {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw Self.classify(error)
        }
    }

    /// A connect timeout is a timeout (as AsyncHTTPClient reports it); anything else a connection error.
    static func classify(_ error: any Error) -> UpstreamFailure {
        if let error = error as? ChannelError, case .connectTimeout = error { return .timeout }
        if let error = error as? NIOConnectionError {
            if error.connectionErrors.contains(where: { ($0.error as? ChannelError).map { if case .connectTimeout = $0 { true } else { false } } ?? false }) {
                return .timeout
            }
            return .connect("cannot connect to \(error.host):\(error.port)")
        }
        return .connect(UpstreamExchangeHandler.describe(error))
    }
}
