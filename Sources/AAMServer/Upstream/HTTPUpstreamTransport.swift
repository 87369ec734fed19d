import AAMCore
import AAMProviders
import Foundation
import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL

/// Real vendors over HTTP(S) through one pooled AsyncHTTPClient.
///
/// The pool is raised well above AsyncHTTPClient's default of 8 connections per host, otherwise
/// concurrent streams to one vendor would queue behind each other.
public final class HTTPUpstreamTransport: UpstreamTransport {
    let client: HTTPClient

    /// - Parameters:
    ///   - tls: roots and client certificate for `https` vendors (AsyncHTTPClient's default, the
    ///     system's roots, when nil); a provider's `tls:` (`EgressRoutingTransport`).
    ///   - proxy: an HTTP proxy every connection tunnels through with CONNECT.
    public init(
        connectionsPerHost: Int = 512, connectTimeoutMs: Int = 5_000, idleTimeoutMs: Int = 120_000,
        tls: TLSConfiguration? = nil, proxy: HTTPClient.Configuration.Proxy? = nil
    ) {
        self.client = OutboundHTTP.makeClient { configuration in
            if let tls { configuration.tlsConfiguration = tls }
            configuration.proxy = proxy
            configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connectionsPerHost)
            // `read` is AsyncHTTPClient's idle timer: it fires on silence while waiting for the head
            // and between body chunks, which is exactly the stream idle-gap timeout.
            configuration.timeout = .init(connect: .milliseconds(Int64(connectTimeoutMs)), read: .milliseconds(Int64(idleTimeoutMs)))
            configuration.decompression = .disabled
        }
    }

    public func shutdown() async {
        try? await client.shutdown()
    }

    public func send(_ request: UpstreamRequest, provider: ProviderConfig, credential: SecretValue?) async throws -> UpstreamResponse {
        var outbound = HTTPClientRequest(url: request.url)
        outbound.method = .POST
        for (name, value) in request.headers { outbound.headers.add(name: name, value: value) }
        if let credential {
            // The vendor's dialect names the one header that carries its credential.
            // (a signature over the request, for Bedrock).
            let fields = provider.wireProtocol.dialect.credentialFields(
                credential, provider: provider, url: request.url, headers: request.headers, body: request.body, now: Date())
            for field in fields { outbound.headers.replaceOrAdd(name: field.name, value: field.value) }
        }
        outbound.body = .bytes(ByteBuffer(bytes: request.body))
        let response: HTTPClientResponse
        do {
            response = try await client.execute(outbound, timeout: .milliseconds(Int64(request.timeoutMs)))
        } catch let error as HTTPClientError {
            if error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout { throw UpstreamFailure.timeout }
            if error == .invalidURL || error == .emptyHost || error == .unsupportedScheme("") { throw UpstreamFailure.invalidURL(request.url) }
            throw UpstreamFailure.connect(String(describing: error))
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as NIOSSLError {
            throw UpstreamFailure.connect("TLS handshake failed: \(error)")
        } catch let error as BoringSSLError {
            throw UpstreamFailure.connect("TLS failed: \(error)")
        } catch {
            throw UpstreamFailure.connect(String(describing: type(of: error)))
        }
        do { try OutboundHTTP.refuseRedirect(UInt(response.status.code)) } catch {
            // Not followed (the request carried the vendor credential); the body is not read.
            throw UpstreamFailure.redirect(Int(response.status.code))
        }
        let headers = response.headers.map { ($0.name, $0.value) }
        return UpstreamResponse(status: Int(response.status.code), headers: headers, body: UpstreamBody(response.body))
    }
}
