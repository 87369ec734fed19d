import AAMCore
import AAMProviders
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// Real vendors over HTTP(S) on SwiftNIO directly, written for this one job (issue 15 item 5):
/// POST a body, hand back the head as soon as it arrives and the body chunk by chunk. Compared
/// with AsyncHTTPClient it has no general request state machines, no task per chunk (the body
/// is an `NIOThrowingAsyncSequenceProducer` fed on the event loop, with backpressure) and the
/// chunks are the `ByteBuffer`s the decoder produced, never copied.
///
/// Semantics match `HTTPUpstreamTransport`:
/// - one keep-alive pool per (scheme, host, port), at most `connectionsPerHost` connections; a
///   connection is reused only after an answer was read to its end without `connection: close`;
/// - `connectTimeoutMs` to open a connection, `idleTimeoutMs` of silence while waiting for the
///   head or between chunks (not counted while AAM itself holds back because its reader is
///   slow), `request.timeoutMs` until the response head (the relay bounds the rest of a stream);
///   all three are `UpstreamFailure.timeout`;
/// - redirects are refused (`OutboundHTTP.refuseRedirect`) and their body is not read;
/// - a pooled connection the vendor closed while idle is detected before or while writing, and
///   the request then goes once more on a fresh connection. Once the request was written it is
///   never sent again: the vendor may have acted on it.
public final class NIOUpstreamTransport: UpstreamTransport {
    let connectionsPerHost: Int
    let idleTimeout: TimeAmount
    private let connector: UpstreamConnector
    private let pools = Mutex<[UpstreamEndpoint: UpstreamConnectionPool]>([:])

    /// - Parameter tlsConfiguration: how `https` vendors are verified; the system's roots by
    ///   default, like the AsyncHTTPClient transport (tests pass their own CA).
    public init(
        connectionsPerHost: Int = 512, connectTimeoutMs: Int = 5_000, idleTimeoutMs: Int = 120_000,
        poolIdleTimeout: TimeAmount = .seconds(60), tlsConfiguration: TLSConfiguration? = nil,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.connectionsPerHost = connectionsPerHost
        self.idleTimeout = .milliseconds(Int64(idleTimeoutMs))
        let configuration = tlsConfiguration ?? TLSConfiguration.makeClientConfiguration()
        var context: NIOSSLContext?
        var problem: String?
        do { context = try NIOSSLContext(configuration: configuration) } catch { problem = String(describing: error) }
        connector = UpstreamConnector(
            group: group, connectTimeout: .milliseconds(Int64(connectTimeoutMs)), sslContext: context, tlsProblem: problem,
            poolIdleTimeout: poolIdleTimeout)
    }

    public func shutdown() async {
        let all = pools.withLock { pools in
            defer { pools = [:] }
            return Array(pools.values)
        }
        for pool in all { pool.shutdown() }
    }

    /// The pool of one endpoint (made on first use).
    func pool(for endpoint: UpstreamEndpoint) -> UpstreamConnectionPool {
        pools.withLock { pools in
            if let pool = pools[endpoint] { return pool }
            let pool = UpstreamConnectionPool(endpoint: endpoint, limit: connectionsPerHost, connector: connector)
            pools[endpoint] = pool
            return pool
        }
    }

    public func send(_ request: UpstreamRequest, provider: ProviderConfig, credential: SecretValue?) async throws -> UpstreamResponse {
        let target = try UpstreamTarget(url: request.url)
        var headers = HTTPHeaders()
        headers.reserveCapacity(request.headers.count + 3)
        headers.add(name: "host", value: target.hostHeader)
        for (name, value) in request.headers { headers.add(name: name, value: value) }
        if let credential {
            // The vendor's dialect names the one header that carries its credential.
            // The vendor's dialect names the headers that carry its credential (a signature over
            // the request, for Bedrock).
            let fields = provider.wireProtocol.dialect.credentialFields(
                credential, provider: provider, url: request.url, headers: headers.map { ($0.name, $0.value) }, body: request.body, now: Date())
            for field in fields { headers.replaceOrAdd(name: field.name, value: field.value) }
        }
        headers.replaceOrAdd(name: "content-length", value: String(request.body.count))
        let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: target.requestTarget, headers: headers)
        let body = ByteBuffer(bytes: request.body)
        let deadline = NIODeadline.now() + .milliseconds(Int64(request.timeoutMs))
        let start: UpstreamResponseStart
        do {
            start = try await exchange(head: head, body: body, deadline: deadline, pool: pool(for: target.endpoint))
        } catch let error as UpstreamFailure {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw UpstreamFailure.connect(UpstreamExchangeHandler.describe(error))
        }
        let status = Int(start.head.status.code)
        do { try OutboundHTTP.refuseRedirect(UInt(status)) } catch {
            // Not followed (the request carried the vendor credential); dropping the unread body
            // closes the connection.
            throw UpstreamFailure.redirect(status)
        }
        return UpstreamResponse(status: status, headers: start.head.headers.map { ($0.name, $0.value) }, body: UpstreamBody(start.body))
    }

    /// Runs the exchange on a pooled connection; once more on a fresh one when the pooled one
    /// turned out closed before the request was written.
    private func exchange(head: HTTPRequestHead, body: ByteBuffer, deadline: NIODeadline, pool: UpstreamConnectionPool) async throws
        -> UpstreamResponseStart
    {
        var fresh = false
        while true {
            let lease = try await pool.lease(deadline: deadline, fresh: fresh)
            do {
                return try await lease.connection.execute(head: head, body: body, idleTimeout: idleTimeout, headDeadline: deadline)
            } catch let error as UpstreamRequestNotSent {
                guard lease.reused, !fresh else { throw UpstreamFailure.connect(error.reason) }
                fresh = true
            }
        }
    }
}
