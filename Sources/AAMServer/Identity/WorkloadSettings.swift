/// `aamd` workload-identity settings (docs/AGENTS-AND-MCP.md).
public struct WorkloadSettings: Sendable {
    /// `--trust-bundles DIR`: one SPIFFE bundle per trust domain, `DIR/TRUST_DOMAIN.json`.
    public var trustBundleDirectory: String?
    /// `--jwt-audience NAME`: the audience a JWT-SVID must name (default `aam`).
    public var jwtAudience = "aam"
    /// `--mtls-listen HOST:PORT`: the optional listener that requires X.509-SVID client certificates.
    public var mtlsHost: String?
    public var mtlsPort: Int?
    /// `--tls-cert PATH`, `--tls-key PATH`: the mTLS listener's own certificate chain and key (PEM).
    public var tlsCertificatePath: String?
    public var tlsKeyPath: String?
    /// How often the bundle directory is checked for changes, in seconds.
    public var bundlePollSeconds: Double = 3

    public init() {}

    /// Parses `HOST:PORT` for `--mtls-listen`.
    public mutating func setMTLSListen(_ value: String) throws {
        do {
            (mtlsHost, mtlsPort) = try DaemonOptions.parseListen(value)
        } catch {
            throw StartupError("--mtls-listen must be HOST:PORT (e.g. 127.0.0.1:8443), got '\(value)'")
        }
    }

    /// Refuses a half-configured mTLS listener with a message naming what is missing.
    public func validate() throws {
        guard mtlsPort != nil else { return }
        if tlsCertificatePath == nil || tlsKeyPath == nil {
            throw StartupError("--mtls-listen needs --tls-cert and --tls-key (the listener's own certificate)")
        }
        if trustBundleDirectory == nil {
            throw StartupError("--mtls-listen needs --trust-bundles DIR (the SPIFFE bundles client certificates are verified against)")
        }
    }
}
