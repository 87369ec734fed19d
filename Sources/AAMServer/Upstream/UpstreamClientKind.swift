/// Which HTTP client carries vendor calls (`--upstream-client`, `AAM_UPSTREAM_CLIENT`).
///
/// `asyncHTTPClient` is the default; `nio` is the SwiftNIO client written for this job
/// (`NIOUpstreamTransport`), opt-in until it has run the whole suite and the benchmarks.
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
    /// The vendor transport these settings ask for.
    func makeUpstreamTransport() -> any OwnedUpstreamTransport {
        switch upstreamClient {
        case .asyncHTTPClient:
            HTTPUpstreamTransport(
                connectionsPerHost: upstreamConnectionsPerHost, connectTimeoutMs: upstreamConnectTimeoutMs, idleTimeoutMs: upstreamIdleTimeoutMs)
        case .nio:
            NIOUpstreamTransport(
                connectionsPerHost: upstreamConnectionsPerHost, connectTimeoutMs: upstreamConnectTimeoutMs, idleTimeoutMs: upstreamIdleTimeoutMs)
        }
    }
}
