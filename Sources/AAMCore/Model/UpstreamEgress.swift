import Foundation

/// TLS material for one upstream's connections (a provider's `tls:`): an extra CA bundle and a
/// client certificate for mutual TLS. Paths, read when the settings are applied (checked) and
/// when the upstream's client is made (loaded).
///
/// `caFile` is trusted IN ADDITION to the system's roots: an enterprise that re-signs traffic at
/// a TLS-inspecting proxy, or a vendor behind a private CA, adds its root without losing the
/// public ones. `clientCert` and `clientKey` go together.
public struct UpstreamTLSSettings: Sendable, Hashable, Codable {
    public var caFile: String?
    public var clientCert: String?
    public var clientKey: String?

    public init(caFile: String? = nil, clientCert: String? = nil, clientKey: String? = nil) {
        self.caFile = caFile
        self.clientCert = clientCert
        self.clientKey = clientKey
    }

    public var isEmpty: Bool { caFile == nil && clientCert == nil && clientKey == nil }
}

/// Why upstream TLS settings are unusable, naming the field (`tls.caFile`, …).
public struct UpstreamEgressProblem: Error, Sendable, Equatable {
    public var field: String
    public var message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }
}

/// Checks of a provider's `tls:` and `proxy:` shared by the config file and the admin API.
///
/// The PEM check reads the file and looks for the block it needs; the TLS library parses it for
/// real when the upstream's client is made.
public enum UpstreamEgressRules {
    /// The `proxy` value that means "connect directly, whatever `HTTPS_PROXY` says".
    public static let direct = "none"

    public static func check(_ tls: UpstreamTLSSettings) throws(UpstreamEgressProblem) {
        if let path = tls.caFile { try pem(path, field: "tls.caFile", wants: "CERTIFICATE") }
        switch (tls.clientCert, tls.clientKey) {
        case (let cert?, let key?):
            try pem(cert, field: "tls.clientCert", wants: "CERTIFICATE")
            try pem(key, field: "tls.clientKey", wants: "PRIVATE KEY")
        case (_?, nil): throw UpstreamEgressProblem(field: "tls.clientKey", message: "is required with tls.clientCert")
        case (nil, _?): throw UpstreamEgressProblem(field: "tls.clientCert", message: "is required with tls.clientKey")
        case (nil, nil): break
        }
    }

    /// `none`, or an `http://HOST:PORT` proxy URL (no path) on a host `outbound` accepts. No
    /// user info: provider settings are shown by the admin API and stored in clear; proxy
    /// credentials belong in `HTTPS_PROXY` of aamd's environment.
    public static func checkProxy(_ value: String, outbound: OutboundURLPolicy) throws(UpstreamEgressProblem) {
        if value == direct { return }
        guard let proxy = ProxyAddress(parsing: value) else {
            throw UpstreamEgressProblem(field: "proxy", message: "must be 'none' or an http://HOST:PORT proxy URL")
        }
        if proxy.username != nil || proxy.password != nil {
            throw UpstreamEgressProblem(field: "proxy", message: "must not contain user info (proxy credentials go in HTTPS_PROXY)")
        }
        if let problem = outbound.hostProblem(proxy.host) { throw UpstreamEgressProblem(field: "proxy", message: problem) }
    }

    private static func pem(_ path: String, field: String, wants block: String) throws(UpstreamEgressProblem) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw UpstreamEgressProblem(field: field, message: "cannot read \(path)")
        }
        guard let text = String(data: data, encoding: .utf8), text.contains("-----BEGIN "),
            text.range(of: "-----BEGIN [A-Z ]*\(block)-----", options: .regularExpression) != nil
        else {
            throw UpstreamEgressProblem(field: field, message: "\(path) holds no PEM \(block)")
        }
    }
}

/// An HTTP proxy as `HTTPS_PROXY` or a provider's `proxy:` names it: `http://[user:pass@]host[:port]`,
/// the scheme optional (as curl accepts), port 80 when absent.
public struct ProxyAddress: Sendable, Hashable {
    public var host: String
    public var port: Int
    public var username: String?
    public var password: String?

    public init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return nil }
        let withScheme = trimmed.contains("://") ? trimmed : "http://" + trimmed
        guard let components = URLComponents(string: withScheme), components.scheme?.lowercased() == "http",
            let host = components.host, !host.isEmpty, components.path.isEmpty || components.path == "/",
            components.query == nil
        else { return nil }
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        self.port = components.port ?? 80
        self.username = components.user?.removingPercentEncoding
        self.password = components.password?.removingPercentEncoding
    }
}
