import AsyncHTTPClient
import Foundation
import NIOSSL

/// Which HTTP client carries vendor calls (`--upstream-client`, `AAM_UPSTREAM_CLIENT`).
///
/// `nio`, the SwiftNIO client written for this job (`NIOUpstreamTransport`), is the default:
/// with every control on it spends about 40 % less CPU per call than AsyncHTTPClient
/// (docs/benchmarks.md). `ahc` stays selectable for one release, as a way back.
public enum UpstreamClientKind: String, Sendable, CaseIterable {
    case asyncHTTPClient = "ahc"
    case nio

    /// `ahc` / `asynchttpclient` or `nio`; nil for anything else.
    public init?(parsing text: String) {
        switch text.lowercased() {
        case "ahc", "asynchttpclient", "async-http-client": self = .asyncHTTPClient
        case "nio", "swiftnio": self = .nio
        default: return nil
        }
    }
}

/// A transport the gateway makes and shuts down with itself.
protocol OwnedUpstreamTransport: UpstreamTransport {
    func shutdown() async
}

extension HTTPUpstreamTransport: OwnedUpstreamTransport {}
extension NIOUpstreamTransport: OwnedUpstreamTransport {}

extension DataPlaneSettings {
    /// The vendor transport these settings ask for, wrapped so providers with `tls:` or a proxy
    /// (`proxy:`, `HTTPS_PROXY`/`NO_PROXY` of `environment`) get a client of their own
    /// (`EgressRoutingTransport`).
    func makeUpstreamTransport(environment: [String: String] = ProcessInfo.processInfo.environment) -> any OwnedUpstreamTransport {
        let settings = self
        return EgressRoutingTransport(direct: makeDirectTransport(), rule: EgressProxyRule(environment: environment)) { tls, proxy in
            settings.makeDirectTransport(tls: tls, proxy: proxy)
        }
    }

    /// The client kind these settings name; a proxy always takes AsyncHTTPClient (CONNECT).
    func makeDirectTransport(tls: TLSConfiguration? = nil, proxy: HTTPClient.Configuration.Proxy? = nil) -> any OwnedUpstreamTransport {
        switch (upstreamClient, proxy) {
        case (.nio, nil):
            NIOUpstreamTransport(
                connectionsPerHost: upstreamConnectionsPerHost, connectTimeoutMs: upstreamConnectTimeoutMs, idleTimeoutMs: upstreamIdleTimeoutMs,
                tlsConfiguration: tls)
        case (.asyncHTTPClient, _), (.nio, _?):
            HTTPUpstreamTransport(
                connectionsPerHost: upstreamConnectionsPerHost, connectTimeoutMs: upstreamConnectTimeoutMs, idleTimeoutMs: upstreamIdleTimeoutMs,
                tls: tls, proxy: proxy)
        }
    }
}
