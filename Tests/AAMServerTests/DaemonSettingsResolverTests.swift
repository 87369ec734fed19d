import AAMSecrets
import AAMServer
import Foundation
import Testing

/// The one precedence of `aamd` settings (flag > environment > config file > default), as a
/// table, on the pure resolver; and the names every setting goes by.
@Suite struct DaemonSettingsResolverTests {
    /// One row: which sources hold a value for `max-body-bytes`, and what must win.
    struct Row: Sendable, CustomTestStringConvertible {
        var flag: String?
        var env: String?
        var file: String?
        var fallback: String?
        var value: String?
        var source: SettingSource
        var origin: String
        var testDescription: String {
            "flag \(flag ?? "-") env \(env ?? "-") file \(file ?? "-") default \(fallback ?? "-") → \(value ?? "nil") (\(source.rawValue))"
        }
    }

    static let rows: [Row] = [
        Row(flag: "1", env: "2", file: "3", fallback: "4", value: "1", source: .flag, origin: "--max-body-bytes"),
        Row(flag: "1", env: nil, file: "3", fallback: "4", value: "1", source: .flag, origin: "--max-body-bytes"),
        Row(flag: "1", env: "2", file: nil, fallback: nil, value: "1", source: .flag, origin: "--max-body-bytes"),
        Row(flag: nil, env: "2", file: "3", fallback: "4", value: "2", source: .environment, origin: "AAM_MAX_BODY_BYTES"),
        Row(flag: nil, env: "2", file: nil, fallback: "4", value: "2", source: .environment, origin: "AAM_MAX_BODY_BYTES"),
        Row(flag: nil, env: nil, file: "3", fallback: "4", value: "3", source: .file, origin: "server.maxBodyBytes"),
        Row(flag: nil, env: nil, file: "3", fallback: nil, value: "3", source: .file, origin: "server.maxBodyBytes"),
        Row(flag: nil, env: nil, file: nil, fallback: "4", value: "4", source: .default, origin: ""),
        Row(flag: nil, env: nil, file: nil, fallback: nil, value: nil, source: .default, origin: ""),
        // An empty variable counts as unset; an empty flag is a value (`--control-socket ""`).
        Row(flag: nil, env: "", file: "3", fallback: "4", value: "3", source: .file, origin: "server.maxBodyBytes"),
        Row(flag: "", env: "2", file: "3", fallback: "4", value: "", source: .flag, origin: "--max-body-bytes"),
    ]

    @Test(arguments: rows)
    func precedence(_ row: Row) throws {
        let setting = DaemonSetting.named("max-body-bytes")
        let resolved = try DaemonSettingsResolver.resolve(
            setting,
            flags: row.flag.map { ["max-body-bytes": $0] } ?? [:],
            environment: row.env.map { ["AAM_MAX_BODY_BYTES": $0] } ?? [:],
            file: row.file.map { ["maxBodyBytes": $0] } ?? [:],
            defaults: row.fallback.map { ["max-body-bytes": $0] } ?? [:],
            readFile: { _ in Issue.record("a plain setting reads no file"); return nil })
        #expect(resolved == ResolvedSetting(value: row.value, source: row.source, origin: row.origin))
    }

    /// The bug this replaces: `server.database` in the file beat `AAM_DATABASE_URL`.
    @Test func theDatabaseVariableBeatsTheFile() throws {
        let resolved = try DaemonSettingsResolver.resolve(
            .named("database"), flags: [:], environment: ["AAM_DATABASE_URL": "postgres://env/aam"],
            file: ["database": "sqlite:file.db"], defaults: ["database": "sqlite:default.db"], readFile: { _ in nil })
        #expect(resolved == ResolvedSetting(value: "postgres://env/aam", source: .environment, origin: "AAM_DATABASE_URL"))
    }

    /// Secrets: `AAM_X`, else `AAM_X_FILE` (its trailing newline dropped); both set → `AAM_X`
    /// wins and the file is not read; a named file that cannot be read or is empty → error.
    struct SecretRow: Sendable, CustomTestStringConvertible {
        var env: [String: String]
        var files: [String: String]
        var value: String?
        var origin: String
        var testDescription: String { "\(env.keys.sorted()) → \(value ?? "nil")" }
    }

    static let secretRows: [SecretRow] = [
        SecretRow(env: ["AAM_ADMIN_TOKEN": "direct"], files: [:], value: "direct", origin: "AAM_ADMIN_TOKEN"),
        SecretRow(env: ["AAM_ADMIN_TOKEN_FILE": "/run/t"], files: ["/run/t": "from-file\n"], value: "from-file", origin: "AAM_ADMIN_TOKEN_FILE"),
        SecretRow(env: ["AAM_ADMIN_TOKEN_FILE": "/run/t"], files: ["/run/t": "crlf\r\n"], value: "crlf", origin: "AAM_ADMIN_TOKEN_FILE"),
        SecretRow(env: ["AAM_ADMIN_TOKEN_FILE": "/run/t"], files: ["/run/t": " inner space "], value: " inner space ", origin: "AAM_ADMIN_TOKEN_FILE"),
        // Both: the variable wins, and the (here unreadable) file is not even opened.
        SecretRow(env: ["AAM_ADMIN_TOKEN": "direct", "AAM_ADMIN_TOKEN_FILE": "/missing"], files: [:], value: "direct", origin: "AAM_ADMIN_TOKEN"),
        // An empty variable counts as unset, so the file is used.
        SecretRow(env: ["AAM_ADMIN_TOKEN": "", "AAM_ADMIN_TOKEN_FILE": "/run/t"], files: ["/run/t": "f\n"], value: "f", origin: "AAM_ADMIN_TOKEN_FILE"),
        SecretRow(env: [:], files: [:], value: nil, origin: ""),
    ]

    @Test(arguments: secretRows)
    func secrets(_ row: SecretRow) throws {
        let resolved = try DaemonSettingsResolver.resolve(
            .named("admin-token"), flags: ["admin-token": "from-a-flag"], environment: row.env,
            file: ["adminToken": "from-the-file"], defaults: [:], readFile: { row.files[$0] })
        // Neither a flag nor a file key can carry a secret.
        #expect(resolved.value == row.value)
        #expect(resolved.origin == row.origin)
        #expect(resolved.source == (row.value == nil ? .default : .environment))
    }

    @Test(arguments: [
        ("siem-hec-token", "AAM_SIEM_HEC_TOKEN_FILE", nil as String?, "the SIEM HEC token"),
        ("siem-hec-token", "AAM_SIEM_HEC_TOKEN_FILE", "\n", "the SIEM HEC token"),
        ("admin-token", "AAM_ADMIN_TOKEN_FILE", "", "an admin token"),
        ("master-key", "AAM_MASTER_KEY_FILE", nil, "the master key"),
    ])
    func anUnreadableSecretFileStopsTheStart(name: String, variable: String, contents: String?, noun: String) {
        do {
            let resolved = try DaemonSettingsResolver.resolve(
                .named(name), flags: [:], environment: [variable: "/run/creds/x"], file: [:], defaults: [:],
                readFile: { _ in contents })
            Issue.record("resolved to \(resolved), expected an error")
        } catch {
            #expect(error.message == "cannot read \(noun) from \(variable)=/run/creds/x (missing, unreadable or empty)")
        }
    }

    @Test func everySettingHasItsNames() {
        let names = DaemonSetting.all.map(\.name)
        #expect(Set(names).count == names.count)
        for setting in DaemonSetting.all {
            if setting.isSecret {
                #expect(setting.serverKey == nil && !setting.hasFlag, "\(setting.name) must come from the environment only")
                #expect(setting.fileVariable == setting.environment + "_FILE")
            } else if setting.name != "config" {
                #expect(setting.serverKey != nil, "\(setting.name) has no server: key")
            }
        }
        #expect(DaemonSetting.named("max-body-bytes").environment == "AAM_MAX_BODY_BYTES")
        #expect(DaemonSetting.named("max-body-bytes").serverKey == "maxBodyBytes")
        #expect(DaemonSetting.named("siem-syslog-ca").serverKey == "siemSyslogCa")
        #expect(DaemonSetting.named("database").environment == "AAM_DATABASE_URL")
        #expect(DaemonSetting.named("upstream-client").environment == "AAM_UPSTREAM_CLIENT")
        #expect(DaemonSetting.named("siem-hec-token").fileVariable == "AAM_SIEM_HEC_TOKEN_FILE")
        #expect(Set(DaemonSetting.all.filter(\.isSecret).map(\.name)) == ["master-key", "admin-token", "siem-hec-token"])
    }

    @Test func theReportMasksSecretsAndURLPasswords() throws {
        let settings = try DaemonSettingsResolver.resolve(
            flags: ["database": "postgres://aam:hunter2@db:5432/aam?sslmode=require&password=hunter3"],
            environment: ["AAM_ADMIN_TOKEN": "adm-secret", "AAM_SIEM_HEC_TOKEN": "hec-secret", "AAM_MASTER_KEY": "mk-secret"],
            file: [:], defaults: [:], readFile: { _ in nil })
        let report = EffectiveSettingsReport.render(settings)
        for secret in ["hunter2", "hunter3", "adm-secret", "hec-secret", "mk-secret"] {
            #expect(!report.contains(secret), "\(secret) in \(report)")
        }
        #expect(report.contains("database = postgres://aam:****@db:5432/aam?sslmode=require&password=****  (source: flag --database)\n"))
        #expect(report.contains("admin-token = ****  (source: env AAM_ADMIN_TOKEN)\n"))
        #expect(report.contains("listen = (unset)  (source: default)\n"))
        #expect(report.split(separator: "\n").count == DaemonSetting.all.count)
    }

    /// What the resolver picked is what the daemon runs with, whatever the source.
    @Test func resolvedValuesReachTheOptions() throws {
        let environment = [
            "AAM_MASTER_KEY": MasterKey.generateBase64(), "AAM_MAX_BODY_BYTES": "4096", "AAM_SIEM_HEC_TOKEN_FILE": "/run/hec",
            "AAM_DATABASE_URL": "postgres://env/aam", "AAM_ALLOW_LOOPBACK_UPSTREAMS": "true",
        ]
        let settings = try DaemonSettingsResolver.resolve(
            flags: ["durability": "batched"], environment: environment,
            file: ["listen": "127.0.0.1:9300", "database": "sqlite:file.db", "spoolFlushMs": "70", "siemSyslogTls": "true"],
            defaults: DaemonOptions.settingDefaults(environment: [:], configFile: nil), readFile: { $0 == "/run/hec" ? "hec\n" : nil })
        var options = DaemonOptions(masterKey: try DaemonOptions.masterKey(from: settings["master-key"].value), environment: [:])
        try options.apply(settings)
        #expect(options.dataPlane.maxBodyBytes == 4096)
        #expect(options.host == "127.0.0.1" && options.port == 9300)
        #expect(options.database == "postgres://env/aam")
        #expect(options.evidence.durability == .batched)
        #expect(options.evidence.flushIntervalMs == 70)
        #expect(options.siem.syslogTLS)
        #expect(options.allowLoopbackUpstreams)
        #expect(options.siem.hecToken?.revealForTransport() == "hec")
        #expect(options.adminToken == nil)
        #expect(options.accessLog == .stdout)
    }

    @Test func aBadValueNamesWhereItCameFrom() throws {
        func error(flags: [String: String] = [:], environment: [String: String] = [:], file: [String: String] = [:]) throws -> String? {
            let settings = try DaemonSettingsResolver.resolve(
                flags: flags, environment: environment, file: file, defaults: [:], readFile: { _ in nil })
            var options = DaemonOptions(masterKey: try MasterKey(base64: MasterKey.generateBase64()), environment: [:])
            do { try options.apply(settings) } catch { return error.message }
            return nil
        }
        #expect(try error(flags: ["guardrail-window": "8"]) == "--guardrail-window must be between 16 and 65536")
        #expect(try error(environment: ["AAM_GUARDRAIL_WINDOW": "8"]) == "--guardrail-window must be between 16 and 65536 (from AAM_GUARDRAIL_WINDOW)")
        #expect(try error(file: ["guardrailWindow": "8"]) == "--guardrail-window must be between 16 and 65536 (from server.guardrailWindow)")
        #expect(try error(environment: ["AAM_SIEM_SYSLOG_TLS": "maybe"]) == "--siem-syslog-tls must be true or false, got 'maybe' (from AAM_SIEM_SYSLOG_TLS)")
        #expect(try error(environment: ["AAM_UPSTREAM_CLIENT": "curl"]) == "--upstream-client must be ahc or nio (from AAM_UPSTREAM_CLIENT)")
        #expect(
            try error(flags: ["listen": "127.0.0.1:9400"], environment: ["AAM_ADMIN_LISTEN": "9400"])
                == "--admin-listen must use another port than --listen (9400)")
    }
}
