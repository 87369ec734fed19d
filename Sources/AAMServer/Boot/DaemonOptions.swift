import AAMCore
import AAMSecrets
import Foundation

/// Everything `aamd` needs to start. `aamd` fills it through `DaemonConfiguration` (flags >
/// environment > the config file's `server:` section > these defaults); an embedded gateway,
/// the demo and tests set its fields directly.
public struct DaemonOptions: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// `--admin-listen`: the admin API and `/metrics` on their own listener (the data listener
    /// then serves none of them); nil serves everything on `--listen`.
    public var adminListen: ListenAddress?
    public var database = "sqlite:./aam-data/aam.db"
    public var configPath: String?
    public var controlSocket = "./aam-data/control.sock"
    /// This replica's name in a cluster (`--replica-id`; default `hostname:port`). Only
    /// meaningful on Postgres, where several `aamd` may share the database.
    public var replicaId: String?
    /// A group whose members may use the control socket besides the daemon's user and root
    /// (`--control-group`); the socket is then group-owned with mode 0660.
    public var controlGroup: String?
    /// Control socket limits (connections, hello timeout, subscriber queue).
    public var controlSocketSettings = ControlSocketSettings()
    public var logLevel = "info"
    /// Which build this is (`aam_build_info` on /metrics); `aamd` sets the stamped one.
    public var build = BuildIdentity()
    public var logFormat = "text"
    /// `--access-log`: one line per finished call, in `logFormat`. Off unless asked for (an
    /// embedded gateway, the demo, tests); `aamd` defaults to stdout.
    public var accessLog = AccessLogDestination.off
    public var masterKey: MasterKey
    public var adminToken: SecretValue?
    public var dataPlane = DataPlaneSettings()
    /// Breaker and cooldown tuning (defaults suit production; tests shorten them).
    public var healthPolicy = HealthPolicy()
    /// SIEM export sinks (`--siem-syslog`, `--siem-hec-url`, `AAM_SIEM_HEC_TOKEN`, …); none by default.
    public var siem = SIEMSettings()
    /// Evidence durability: `--durability strict|batched`, `--spool-dir`, `--spool-max-bytes`, `--spool-flush-ms`.
    public var evidence = EvidenceSettings()
    /// How often the evidence chain heads are anchored in the log and the SIEM stream.
    public var anchors = EvidenceAnchorSettings()
    /// Workload identity: `--trust-bundles`, `--jwt-audience`, `--mtls-listen`, `--tls-cert`, `--tls-key`.
    public var workloads = WorkloadSettings()
    /// Whether upstream URLs (providers, MCP servers, OAuth token endpoints, SIEM) may name
    /// loopback, link-local or unspecified hosts (`--allow-loopback-upstreams`,
    /// `server.allowLoopbackUpstreams`); refused by default, see `OutboundURLPolicy`.
    public var allowLoopbackUpstreams = false
    public var outboundURLPolicy: OutboundURLPolicy { OutboundURLPolicy(allowLoopback: allowLoopbackUpstreams) }
    /// The wall clock; tests inject a `ManualClock` to drive cooldowns and expiry.
    public var clock: any WallClock = SystemClock()
    public var environment: [String: String]

    public init(masterKey: MasterKey, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.masterKey = masterKey
        self.environment = environment
        // Under systemd: /var/lib/aam, /run/aam; else ./aam-data (flags and AAM_DATABASE_URL win).
        let directories = ServiceDirectories(environment: environment)
        database = directories.database
        controlSocket = directories.controlSocket
        evidence.defaultFolder = directories.state
        if let token = environment["AAM_ADMIN_TOKEN"], !token.isEmpty {
            adminToken = SecretValue(token)
        } else if let path = environment["AAM_ADMIN_TOKEN_FILE"], let data = FileManager.default.contents(atPath: path) {
            let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if !token.isEmpty { adminToken = SecretValue(token) }
        }
        if let url = environment["AAM_DATABASE_URL"], !url.isEmpty { database = url }
        if let token = environment["AAM_SIEM_HEC_TOKEN"], !token.isEmpty { siem.hecToken = SecretValue(token) }
        if let kind = environment["AAM_UPSTREAM_CLIENT"].flatMap(UpstreamClientKind.init(parsing:)) { dataPlane.upstreamClient = kind }
    }

    /// Parses `HOST:PORT` (`[::1]:8080` for IPv6).
    public static func parseListen(_ value: String) throws(StartupError) -> (host: String, port: Int) {
        var host = value
        var portText = ""
        if value.hasPrefix("["), let close = value.firstIndex(of: "]") {
            host = String(value[value.index(after: value.startIndex)..<close])
            portText = String(value[value.index(after: close)...].dropFirst())
        } else if let colon = value.lastIndex(of: ":") {
            host = String(value[..<colon])
            portText = String(value[value.index(after: colon)...])
        }
        guard !host.isEmpty, let port = Int(portText), (0...65535).contains(port) else {
            throw StartupError("--listen must be HOST:PORT (e.g. 127.0.0.1:8080), got '\(value)'")
        }
        return (host, port)
    }
}

/// A reason `aamd` cannot start, printed as one clear line.
public struct StartupError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
