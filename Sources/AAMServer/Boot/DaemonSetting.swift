import Foundation

/// One `aamd` setting and the names it goes by: its flag, its environment variable and its
/// config-file key (`server:` section). `DaemonSetting.all` is the one table of them; the
/// resolver (`DaemonSettingsResolver`), `aamd --print-config` and docs/CONFIGURATION.md follow it.
public struct DaemonSetting: Sendable, Hashable {
    /// The flag's long name without `--` (`max-body-bytes`); for a secret, the name it is shown
    /// under (secrets have no flag: a command line is visible to every local user in `ps`).
    public let name: String
    /// The environment variable (`AAM_` + upper snake of the name, unless documented otherwise).
    public let environment: String
    /// The key under `server:` in the config file (camelCase of the name); nil where the file
    /// cannot set it (the config path itself, and secrets, which belong in the environment).
    public let serverKey: String?
    /// A secret: never printed, no flag, no file key, and also read from `<environment>_FILE`.
    public let isSecret: Bool
    /// How an unreadable `_FILE` names the secret ("an admin token").
    public let secretNoun: String

    public var hasFlag: Bool { !isSecret }
    /// The variable naming a file that holds the secret (`AAM_ADMIN_TOKEN_FILE`); nil if not a secret.
    public var fileVariable: String? { isSecret ? environment + "_FILE" : nil }

    /// A plain setting: flag, `AAM_…` variable and `server:` key derived from `name`.
    init(_ name: String, environment: String? = nil, inFile: Bool = true) {
        self.name = name
        self.environment = environment ?? Self.environmentName(name)
        self.serverKey = inFile ? Self.camelCase(name) : nil
        self.isSecret = false
        self.secretNoun = ""
    }

    /// A secret: environment (or `_FILE`) only.
    init(secret name: String, noun: String) {
        self.name = name
        self.environment = Self.environmentName(name)
        self.serverKey = nil
        self.isSecret = true
        self.secretNoun = noun
    }

    /// `max-body-bytes` → `AAM_MAX_BODY_BYTES`.
    static func environmentName(_ name: String) -> String {
        "AAM_" + name.uppercased().replacingOccurrences(of: "-", with: "_")
    }

    /// `max-body-bytes` → `maxBodyBytes`.
    static func camelCase(_ name: String) -> String {
        let parts = name.split(separator: "-")
        return parts.enumerated().map { $0.offset == 0 ? String($0.element) : $0.element.prefix(1).uppercased() + $0.element.dropFirst() }
            .joined()
    }

    /// Every setting, in the order `--print-config` shows them.
    public static let all: [DaemonSetting] = [
        DaemonSetting("config", inFile: false),
        DaemonSetting("listen"),
        DaemonSetting("admin-listen"),
        // Documented as AAM_DATABASE_URL since the first release (shared/design/INTERFACES.md).
        DaemonSetting("database", environment: "AAM_DATABASE_URL"),
        DaemonSetting("control-socket"),
        DaemonSetting("control-group"),
        DaemonSetting("log-level"),
        DaemonSetting("log-format"),
        DaemonSetting("access-log"),
        DaemonSetting("max-body-bytes"),
        DaemonSetting("client-idle-timeout"),
        DaemonSetting("guardrail-window"),
        DaemonSetting("upstream-client"),
        DaemonSetting("threads"),
        DaemonSetting("allow-loopback-upstreams"),
        DaemonSetting("replica-id"),
        DaemonSetting("durability"),
        DaemonSetting("spool-dir"),
        DaemonSetting("spool-max-bytes"),
        DaemonSetting("spool-flush-ms"),
        DaemonSetting("anchor-interval"),
        DaemonSetting("siem-syslog"),
        DaemonSetting("siem-syslog-tls"),
        DaemonSetting("siem-syslog-ca"),
        DaemonSetting("siem-hec-url"),
        DaemonSetting("trust-bundles"),
        DaemonSetting("jwt-audience"),
        DaemonSetting("mtls-listen"),
        DaemonSetting("tls-cert"),
        DaemonSetting("tls-key"),
        DaemonSetting(secret: "master-key", noun: "the master key"),
        DaemonSetting(secret: "admin-token", noun: "an admin token"),
        DaemonSetting(secret: "siem-hec-token", noun: "the SIEM HEC token"),
    ]

    /// The setting of that name (a programming error if there is none).
    public static func named(_ name: String) -> DaemonSetting {
        guard let setting = all.first(where: { $0.name == name }) else { preconditionFailure("no aamd setting \(name)") }  // trap-ok: callers name settings by literals of this code, never by input
        return setting
    }
}
