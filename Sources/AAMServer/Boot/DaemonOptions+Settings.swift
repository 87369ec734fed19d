import AAMCore
import AAMSecrets
import Foundation

extension DaemonOptions {
    /// The built-in default of every setting that has one, by `DaemonSetting.name`, as
    /// `--print-config` shows it. Under systemd the paths follow its directories; derived
    /// defaults (the spool next to the database, `hostname:port`, one thread per core) are absent.
    public static func settingDefaults(environment: [String: String], configFile: String?) -> [String: String] {
        let directories = ServiceDirectories(environment: environment)
        let dataPlane = DataPlaneSettings()
        let evidence = EvidenceSettings()
        var defaults = [
            "listen": "127.0.0.1:8080",
            "database": directories.database,
            "control-socket": directories.controlSocket,
            "log-level": "info",
            "log-format": "text",
            "access-log": "stdout",
            "max-body-bytes": String(dataPlane.maxBodyBytes),
            "client-idle-timeout": String(dataPlane.clientIdleTimeoutSeconds),
            "guardrail-window": String(dataPlane.guardrailWindowBytes),
            "upstream-client": dataPlane.upstreamClient.rawValue,
            "allow-loopback-upstreams": "false",
            "durability": evidence.durability.rawValue,
            "spool-max-bytes": String(evidence.spoolMaxBytes),
            "spool-flush-ms": String(evidence.flushIntervalMs),
            "anchor-interval": String(EvidenceAnchorSettings().intervalSeconds),
            "siem-syslog-tls": "false",
            "jwt-audience": WorkloadSettings().jwtAudience,
        ]
        defaults["config"] = configFile
        return defaults
    }

    /// Applies resolved settings over these options (which hold the defaults), checking each
    /// value the same way whatever its source. A problem with a value that did not come from a
    /// flag names where it came from (`… (from AAM_MAX_BODY_BYTES)`).
    public mutating func apply(_ settings: ResolvedDaemonSettings) throws(StartupError) {
        for (setting, resolved) in settings.entries {
            do {
                try apply(setting.name, resolved.value)
            } catch {
                guard resolved.source == .environment || resolved.source == .file else { throw error }
                throw StartupError("\(error.message) (from \(resolved.origin))")
            }
        }
        // Across settings: the admin listener needs its own port.
        if let adminListen, adminListen.port != 0, adminListen.port == port {
            throw StartupError("--admin-listen must use another port than --listen (\(port))")
        }
    }

    /// What a start checks before it opens the database, for `aamd --print-config` (a normal
    /// start checks the same in `Gateway.build`).
    public func validateSettings() throws(StartupError) {
        try siem.validate(outbound: outboundURLPolicy)
        do { try workloads.validate() } catch { throw Self.startupError(error) }
    }

    /// The master key from its resolved value (`AAM_MASTER_KEY` or `AAM_MASTER_KEY_FILE`).
    public static func masterKey(from value: String?) throws(StartupError) -> MasterKey {
        guard let value else {
            throw StartupError(
                "no master key: set AAM_MASTER_KEY (base64 of 32 random bytes, e.g. `openssl rand -base64 32`) or AAM_MASTER_KEY_FILE")
        }
        do { return try MasterKey(base64: value) } catch { throw StartupError(error.message) }
    }

    private static func startupError(_ error: any Error) -> StartupError {
        (error as? StartupError) ?? StartupError("\(error)")
    }

    private mutating func apply(_ name: String, _ value: String?) throws(StartupError) {
        switch name {
        case "config": configPath = value
        case "listen": if let value { (host, port) = try Self.parseListen(value) }
        case "admin-listen": if let value { adminListen = try ListenAddress.parseAdminListen(value) }
        case "database": if let value { database = value }
        case "control-socket": if let value { controlSocket = value }
        case "control-group": controlGroup = value
        case "log-level":
            if let value {
                guard Self.logLevels.contains(value) else { throw StartupError("--log-level: unknown level '\(value)'") }
                logLevel = value
            }
        case "log-format":
            if let value {
                guard ["text", "json"].contains(value) else { throw StartupError("--log-format must be text or json") }
                logFormat = value
            }
        case "access-log":
            let choice = value ?? "stdout"
            guard let destination = AccessLogDestination(parsing: choice) else {
                throw StartupError("--access-log must be stdout, stderr or off, got '\(choice)'")
            }
            accessLog = destination
        case "max-body-bytes":
            if let bytes = try Self.integer(value, name) {
                guard bytes > 0 else { throw StartupError("--max-body-bytes must be > 0") }
                dataPlane.maxBodyBytes = bytes
            }
        case "client-idle-timeout":
            if let seconds = try Self.number(value, name) {
                guard seconds > 0 else { throw StartupError("--client-idle-timeout must be > 0") }
                dataPlane.clientIdleTimeoutSeconds = seconds
            }
        case "guardrail-window":
            if let bytes = try Self.integer(value, name) {
                guard (16...65_536).contains(bytes) else { throw StartupError("--guardrail-window must be between 16 and 65536") }
                dataPlane.guardrailWindowBytes = bytes
            }
        case "upstream-client":
            if let value {
                guard let kind = UpstreamClientKind(parsing: value) else { throw StartupError("--upstream-client must be ahc or nio") }
                dataPlane.upstreamClient = kind
            }
        case "threads":
            // Applied by aamd before its event loops start; checked here like the rest.
            if let threads = try Self.integer(value, name), threads < 0 { throw StartupError("--threads must be 0 (one per core) or more") }
        case "allow-loopback-upstreams": allowLoopbackUpstreams = try Self.boolean(value, name) ?? false
        case "replica-id":
            if let value {
                try ReplicaIdentity.validate(value)
                replicaId = value
            }
        case "durability":
            if let value {
                guard let mode = EvidenceSettings.Durability(rawValue: value) else { throw StartupError("--durability must be strict or batched") }
                evidence.durability = mode
            }
        case "spool-dir": if let value { evidence.spoolDirectory = value }
        case "spool-max-bytes":
            if let value {
                guard let bytes = EvidenceSettings.parseBytes(value), bytes >= 1 << 20 else {
                    throw StartupError("--spool-max-bytes must be at least 1M (bytes, or with K/M/G), got '\(value)'")
                }
                evidence.spoolMaxBytes = bytes
            }
        case "spool-flush-ms":
            if let milliseconds = try Self.integer(value, name) {
                guard (1...10_000).contains(milliseconds) else { throw StartupError("--spool-flush-ms must be between 1 and 10000") }
                evidence.flushIntervalMs = milliseconds
            }
        case "anchor-interval":
            if let seconds = try Self.number(value, name) {
                guard seconds.isFinite, (1...86_400).contains(seconds) else {
                    throw StartupError("--anchor-interval must be 1 to 86400 seconds, got \(seconds)")
                }
                anchors.intervalSeconds = seconds
            }
        case "siem-syslog": if let value { try siem.setSyslogTarget(value) }
        case "siem-syslog-tls": siem.syslogTLS = try Self.boolean(value, name) ?? false
        case "siem-syslog-ca": siem.syslogCAFile = value
        case "siem-hec-url": siem.hecURL = value
        case "trust-bundles": workloads.trustBundleDirectory = value
        case "jwt-audience":
            if let value {
                guard !value.isEmpty else { throw StartupError("--jwt-audience must not be empty") }
                workloads.jwtAudience = value
            }
        case "mtls-listen":
            if let value {
                do { try workloads.setMTLSListen(value) } catch { throw Self.startupError(error) }
            }
        case "tls-cert": workloads.tlsCertificatePath = value
        case "tls-key": workloads.tlsKeyPath = value
        // Required by `DaemonConfiguration` before these options exist; nil keeps the init's key.
        case "master-key": if let value { masterKey = try Self.masterKey(from: value) }
        case "admin-token": adminToken = value.map { SecretValue($0) }
        case "siem-hec-token": siem.hecToken = value.map { SecretValue($0) }
        // A table entry without a case here: PrintConfigDaemonTests would exit 2 on it.
        default: throw StartupError("internal error: aamd setting \(name) is not applied")
        }
    }

    static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    private static func integer(_ value: String?, _ name: String) throws(StartupError) -> Int? {
        guard let value else { return nil }
        guard let number = Int(value) else { throw StartupError("--\(name) must be a whole number, got '\(value)'") }
        return number
    }

    private static func number(_ value: String?, _ name: String) throws(StartupError) -> Double? {
        guard let value else { return nil }
        guard let number = Double(value) else { throw StartupError("--\(name) must be a number, got '\(value)'") }
        return number
    }

    private static func boolean(_ value: String?, _ name: String) throws(StartupError) -> Bool? {
        switch value?.lowercased() {
        case nil: return nil
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: throw StartupError("--\(name) must be true or false, got '\(value ?? "")'")
        }
    }
}
