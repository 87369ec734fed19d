import AAMBuildInfo
import AAMConfig
import AAMCore
import AAMSecrets
import AAMServer
import ArgumentParser
import Foundation
import Logging
import NIOCore
import NIOPosix

/// `aamd`: the AAM daemon (data plane, admin API). Every setting is a flag, an `AAM_…`
/// environment variable and a `server:` key of the config file (`DaemonSetting.all`); a flag
/// wins over the environment, the environment over the file, the file over the default.
@main
struct AAMDaemon: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aamd", abstract: "Agent Access Manager daemon.",
        discussion: """
            Every option is also an environment variable (AAM_ and the flag in upper snake case: --max-body-bytes is \
            AAM_MAX_BODY_BYTES, --database is AAM_DATABASE_URL) and a server: key of the config file (camelCase: \
            maxBodyBytes). A flag wins over the environment, the environment over the file, the file over the default. \
            Secrets come only from the environment: AAM_MASTER_KEY, AAM_ADMIN_TOKEN, AAM_SIEM_HEC_TOKEN, each also as \
            ..._FILE naming a file that holds it. --print-config shows the effective settings and their sources.
            """,
        version: BuildIdentity.stamped.versionLine(program: "aamd"))

    @Option(
        help: "Declarative YAML config (providers, deployments, aliases, scopes, workloads, policies, MCP servers); re-applied on SIGHUP. Default under systemd: $CONFIGURATION_DIRECTORY/aam.yaml if it exists.")
    var config: String?

    @Option(help: "Data plane and admin API address, HOST:PORT (default 127.0.0.1:8080).")
    var listen: String?

    @Option(
        name: .customLong("admin-listen"),
        help: "The admin API and /metrics on their own address, HOST:PORT or PORT (= 127.0.0.1:PORT); the --listen address then serves no admin route.")
    var adminListen: String?

    @Option(help: "sqlite:PATH (default sqlite:./aam-data/aam.db; under systemd sqlite:$STATE_DIRECTORY/aam.db), memory, or postgres://… (also AAM_DATABASE_URL).")
    var database: String?

    @Option(name: .customLong("control-socket"), help: "Control socket path (default ./aam-data/control.sock; under systemd $RUNTIME_DIRECTORY/control.sock); \"\" for none.")
    var controlSocket: String?

    @Option(name: .customLong("control-group"), help: "A group whose members may use the control socket (besides this user and root).")
    var controlGroup: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error, critical.")
    var logLevel: String?

    @Option(name: .customLong("log-format"), help: "text or json (the diagnostic log and the access log).")
    var logFormat: String?

    @Option(name: .customLong("access-log"), help: "One line per finished call (request id, key, alias, provider, status, latency, tokens, cost; never bodies or secrets): stdout (default), stderr or off.")
    var accessLog: String?

    @Option(name: .customLong("max-body-bytes"), help: "Largest request body accepted (default 8388608).")
    var maxBodyBytes: Int?

    @Option(name: .customLong("client-idle-timeout"), help: "Seconds a client may stall while sending a request, or idle between requests (default 60).")
    var clientIdleTimeout: Double?

    @Option(name: .customLong("guardrail-window"), help: "Hold-back window of streaming response guardrails, in bytes (default 256).")
    var guardrailWindow: Int?

    @Option(name: .customLong("upstream-client"), help: "HTTP client for vendor calls: nio (SwiftNIO, default) or ahc (AsyncHTTPClient, kept for one release); also AAM_UPSTREAM_CLIENT.")
    var upstreamClient: String?

    @Option(name: .customLong("threads"), help: "Event-loop threads (default: one per core). Swift concurrency runs on the same threads.")
    var threads: Int?

    @Option(name: .customLong("siem-syslog"), help: "Export security events as RFC 5424 syslog over TCP (octet-counted) to HOST:PORT.")
    var siemSyslog: String?

    @Flag(name: .customLong("siem-syslog-tls"), help: "Use TLS for --siem-syslog (certificate verified against the system roots or --siem-syslog-ca).")
    var siemSyslogTLS = false

    @Option(name: .customLong("siem-syslog-ca"), help: "PEM file of the CA that signs the syslog receiver's certificate.")
    var siemSyslogCA: String?

    @Option(name: .customLong("siem-hec-url"), help: "Export security events to a Splunk HEC-shaped collector URL; token from AAM_SIEM_HEC_TOKEN or AAM_SIEM_HEC_TOKEN_FILE.")
    var siemHecURL: String?

    @Option(name: .customLong("durability"), help: "strict (default: a response completes only once its call record is fsynced) or batched (records flushed every --spool-flush-ms; kill -9 can lose that window).")
    var durability: String?

    @Option(name: .customLong("spool-dir"), help: "Evidence spool directory (default: spool/ next to the SQLite database, ./aam-data/spool-HOST-PORT-DB for Postgres).")
    var spoolDir: String?

    @Option(name: .customLong("anchor-interval"), help: "Seconds between evidence anchors (chain heads logged and sent to the SIEM; default 60).")
    var anchorInterval: Double?

    @Option(name: .customLong("spool-max-bytes"), help: "Undrained spool limit, bytes or K/M/G (default 1G); at it new calls get 503 evidence_unavailable.")
    var spoolMaxBytes: String?

    @Option(name: .customLong("spool-flush-ms"), help: "Batched durability's flush interval in milliseconds (default 20).")
    var spoolFlushMs: Int?

    @Option(name: .customLong("trust-bundles"), help: "Directory of SPIFFE trust bundles, DIR/TRUST_DOMAIN.json (JWK Sets); reloaded on change and on SIGHUP.")
    var trustBundles: String?

    @Option(name: .customLong("jwt-audience"), help: "Audience a JWT-SVID must name (default aam).")
    var jwtAudience: String?

    @Option(name: .customLong("mtls-listen"), help: "Optional second listener, HOST:PORT, requiring X.509-SVID client certificates.")
    var mtlsListen: String?

    @Option(name: .customLong("tls-cert"), help: "PEM certificate chain of the mTLS listener.")
    var tlsCert: String?

    @Option(name: .customLong("tls-key"), help: "PEM private key of the mTLS listener.")
    var tlsKey: String?

    @Option(name: .customLong("replica-id"), help: "This replica's name in a cluster of aamd on one Postgres (default hostname:port); each replica needs its own.")
    var replicaId: String?

    @Flag(name: .customLong("allow-loopback-upstreams"), help: "Allow upstream URLs (providers, MCP servers, OAuth token endpoints, SIEM) on loopback, link-local or unspecified addresses (refused by default: an SSRF guard).")
    var allowLoopbackUpstreams = false

    @Flag(name: .customLong("print-config"), help: "Print the effective settings (flags, AAM_… environment, config file, defaults; secrets masked) with their sources, and exit.")
    var printConfig = false

    /// The flags given, by `DaemonSetting.name`; a switch only when it is on (off is no choice).
    var givenFlags: [String: String] {
        let values: [(String, String?)] = [
            ("config", config), ("listen", listen), ("admin-listen", adminListen), ("database", database),
            ("control-socket", controlSocket), ("control-group", controlGroup), ("log-level", logLevel),
            ("log-format", logFormat), ("access-log", accessLog), ("max-body-bytes", maxBodyBytes.map(String.init)),
            ("client-idle-timeout", clientIdleTimeout.map { String($0) }), ("guardrail-window", guardrailWindow.map(String.init)),
            ("upstream-client", upstreamClient), ("threads", threads.map(String.init)),
            ("allow-loopback-upstreams", allowLoopbackUpstreams ? "true" : nil), ("replica-id", replicaId),
            ("durability", durability), ("spool-dir", spoolDir), ("spool-max-bytes", spoolMaxBytes),
            ("spool-flush-ms", spoolFlushMs.map(String.init)), ("anchor-interval", anchorInterval.map { String($0) }),
            ("siem-syslog", siemSyslog), ("siem-syslog-tls", siemSyslogTLS ? "true" : nil), ("siem-syslog-ca", siemSyslogCA),
            ("siem-hec-url", siemHecURL), ("trust-bundles", trustBundles), ("jwt-audience", jwtAudience),
            ("mtls-listen", mtlsListen), ("tls-cert", tlsCert), ("tls-key", tlsKey),
        ]
        return Dictionary(uniqueKeysWithValues: values.compactMap { name, value in value.map { (name, $0) } })
    }

    func run() async throws {
        // SIGHUP's default action ends the process. Until the config and trust-bundle reloaders
        // install their handlers (after the store is open), an early SIGHUP from a process
        // manager would kill the daemon mid-start; ignored, it is simply not acted on yet.
        signal(SIGHUP, SIG_IGN)
        let environment = ProcessInfo.processInfo.environment
        do {
            // One precedence for every setting: flag > AAM_… environment > config file > default.
            let configuration = try DaemonConfiguration.load(flags: givenFlags, environment: environment)
            if printConfig {
                try configuration.options.validateSettings()
                FileHandle.standardOutput.write(Data(EffectiveSettingsReport.render(configuration.settings).utf8))
                return
            }
            var options = configuration.options
            options.build = .stamped
            // Run Swift tasks on NIO's event loops: a request never hops between the cooperative
            // pool and an event loop thread, which matters most when aamd is pinned to few cores.
            if let threads = configuration.settings["threads"].value.flatMap(Int.init), threads > 0 {
                NIOSingletons.groupLoopCountSuggestion = threads
            }
            _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
            LogSetup.bootstrap(level: options.logLevel, format: options.logFormat)
            let logger = Logger(label: "aamd")
            let gateway = try await Gateway.build(options: options, logger: logger)
            if options.adminToken == nil {
                logger.notice("AAM_ADMIN_TOKEN is not set: the admin API is disabled")
            }
            let (host, database) = (options.host, options.database.hasPrefix("sqlite:") ? options.database : "configured")
            try await gateway.run { port in
                logger.notice("aamd listening", metadata: ["address": "\(host):\(port)", "database": "\(database)"])
                // Under systemd (Type=notify): started means every listener is bound.
                SystemdNotifier.notify("READY=1\nSTATUS=listening on \(host):\(port)")
            }
        } catch let error as StartupError {
            FileHandle.standardError.write(Data("aamd: \(error.message)\n".utf8))
            Foundation.exit(2)
        } catch let error as SecretsError {
            FileHandle.standardError.write(Data("aamd: \(error.message)\n".utf8))
            Foundation.exit(2)
        } catch {
            FileHandle.standardError.write(Data("aamd: cannot start: \(error)\n".utf8))
            Foundation.exit(1)
        }
    }
}

