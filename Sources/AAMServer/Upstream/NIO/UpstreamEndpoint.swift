import Foundation

/// Where a vendor request goes, split the way an HTTP/1.1 client needs it: the pool key
/// (scheme, host, port), the request target (path and query as written in the URL) and the
/// `Host` header.
struct UpstreamTarget: Sendable {
    var endpoint: UpstreamEndpoint
    /// Path and query, e.g. `/openai/deployments/x/chat/completions?api-version=2024-10-21`.
    var requestTarget: String
    var hostHeader: String

    /// Parses an absolute `http` or `https` URL; throws `UpstreamFailure.invalidURL` otherwise.
    init(url: String) throws(UpstreamFailure) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", var host = components.host, !host.isEmpty
        else { throw .invalidURL(url) }
        // Foundation versions differ on whether an IPv6 literal keeps its brackets.
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let tls = scheme == "https"
        let defaultPort = tls ? 443 : 80
        let port = components.port ?? defaultPort
        guard (1...65535).contains(port) else { throw .invalidURL(url) }
        endpoint = UpstreamEndpoint(tls: tls, host: host, port: port)
        let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        requestTarget = components.percentEncodedQuery.map { path + "?" + $0 } ?? path
        let hostText = host.contains(":") ? "[\(host)]" : host
        hostHeader = port == defaultPort ? hostText : "\(hostText):\(port)"
    }
}

/// One pool of keep-alive connections exists per endpoint.
struct UpstreamEndpoint: Hashable, Sendable, CustomStringConvertible {
    var tls: Bool
    var host: String
    var port: Int

    var description: String { "\(tls ? "https" : "http")://\(host.contains(":") ? "[\(host)]" : host):\(port)" }
}
