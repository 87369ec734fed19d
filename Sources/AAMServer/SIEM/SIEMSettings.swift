import AAMCore
import Foundation

/// Where and how security events are exported (`--siem-syslog`, `--siem-syslog-tls`,
/// `--siem-syslog-ca`, `--siem-hec-url`, `AAM_SIEM_HEC_TOKEN`). With neither target set, no
/// exporter runs.
public struct SIEMSettings: Sendable {
    /// RFC 5424 over TCP with octet-counting framing.
    public var syslogHost: String?
    public var syslogPort: Int?
    /// Wrap the syslog connection in TLS (RFC 5425 style), verifying the receiver's certificate
    /// against the system roots or `syslogCAFile`.
    public var syslogTLS = false
    /// PEM file of the CA(s) that sign the receiver's certificate.
    public var syslogCAFile: String?
    /// Splunk HEC-shaped collector, e.g. `http://127.0.0.1:8088/services/collector/event`.
    public var hecURL: String?
    /// `Authorization: Splunk <token>`; from `AAM_SIEM_HEC_TOKEN`, never logged or shown.
    public var hecToken: SecretValue?
    /// Events each sink holds while its receiver is away; beyond it newcomers are dropped and counted.
    public var backlogCapacity = 100_000
    /// With an evidence spool, each sink keeps its undelivered events in a durable outbox under
    /// it (`<spool dir>/siem-<sink>/`), delivered after a restart; this bounds its size on disk
    /// (beyond it newcomers are dropped and counted). Default 256 MiB.
    public var outboxMaxBytes = 256 << 20
    /// Events per delivery (one HEC request, one syslog write).
    public var batchSize = 500
    public var backoff = SIEMBackoff()
    /// How long a syslog connection must stay up after a write before the batch counts as
    /// delivered (plain syslog has no acknowledgements; a receiver that died resets the
    /// connection within this time and the batch is sent again).
    public var syslogSettleTime: Duration = .milliseconds(200)
    /// Time given to sinks to empty their backlog at shutdown.
    public var drainTimeout: Duration = .seconds(3)
    /// The HOSTNAME of syslog messages and `host` of HEC events.
    public var hostname = ProcessInfo.processInfo.hostName

    public init() {}

    public var isEnabled: Bool { syslogHost != nil || hecURL != nil }

    /// Parses `--siem-syslog HOST:PORT` (`[::1]:6514` for IPv6).
    public mutating func setSyslogTarget(_ value: String) throws(StartupError) {
        let parsed: (host: String, port: Int)
        do { parsed = try DaemonOptions.parseListen(value) } catch {
            throw StartupError("--siem-syslog must be HOST:PORT (e.g. siem.example.com:6514), got '\(value)'")
        }
        guard parsed.port > 0 else { throw StartupError("--siem-syslog: port must be 1-65535") }
        (syslogHost, syslogPort) = (parsed.host, parsed.port)
    }

    /// Checks `--siem-hec-url` (http or https with a host) and that the token is set.
    /// `outbound` decides which hosts the HEC URL and the syslog target may name.
    public func validate(outbound: OutboundURLPolicy = .strict) throws(StartupError) {
        if let hecURL {
            guard let url = URL(string: hecURL), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme), url.host != nil else {
                throw StartupError("--siem-hec-url must be an http(s) URL such as https://splunk.example.com:8088/services/collector/event")
            }
            if let problem = outbound.problem(hecURL) { throw StartupError("--siem-hec-url \(problem)") }
            guard hecToken != nil else { throw StartupError("--siem-hec-url needs the collector token in AAM_SIEM_HEC_TOKEN") }
        }
        if let syslogHost, let problem = outbound.hostProblem(syslogHost) { throw StartupError("--siem-syslog \(problem)") }
        if syslogTLS, syslogHost == nil { throw StartupError("--siem-syslog-tls needs --siem-syslog HOST:PORT") }
        if let syslogCAFile {
            guard syslogTLS else { throw StartupError("--siem-syslog-ca needs --siem-syslog-tls") }
            guard FileManager.default.isReadableFile(atPath: syslogCAFile) else { throw StartupError("--siem-syslog-ca: cannot read \(syslogCAFile)") }
        }
        if syslogTLS { _ = try SyslogTCPTransport.tlsContext(caFile: syslogCAFile) }
    }
}
