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

/// `aamd`: the AAM daemon (data plane, admin API). Flags override the config file's `server:` section.
@main
struct AAMDaemon: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aamd", abstract: "Agent Access Manager daemon.", version: BuildIdentity.stamped.versionLine(program: "aamd"))

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

    @Option(name: .customLong("siem-hec-url"), help: "Export security events to a Splunk HEC-shaped collector URL; token from AAM_SIEM_HEC_TOKEN.")
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

    func run() async throws {
        // SIGHUP's default action ends the process. Until the config and trust-bundle reloaders
        // install their handlers (after the store is open), an early SIGHUP from a process
        // manager would kill the daemon mid-start; ignored, it is simply not acted on yet.
        signal(SIGHUP, SIG_IGN)
        // Run Swift tasks on NIO's event loops: a request never hops between the cooperative
        // pool and an event loop thread, which matters most when aamd is pinned to few cores.
        if let threads, threads > 0 { NIOSingletons.groupLoopCountSuggestion = threads }
        _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        let environment = ProcessInfo.processInfo.environment
        do {
            let master = try MasterKey.fromEnvironment(environment)
            var options = DaemonOptions(masterKey: master, environment: environment)
            options.build = .stamped
            // A token file that was named but cannot be read must not quietly turn the admin API
            // off (a LoadCredential= typo, a wrong mode).
            if options.adminToken == nil, let path = environment["AAM_ADMIN_TOKEN_FILE"], !path.isEmpty,
                (environment["AAM_ADMIN_TOKEN"] ?? "").isEmpty
            {
                throw StartupError("cannot read an admin token from AAM_ADMIN_TOKEN_FILE=\(path) (missing, unreadable or empty)")
            }
            // A service's config file (/etc/aam/aam.yaml under systemd) applies without --config.
            let config = self.config ?? ServiceDirectories(environment: environment).existingConfigFile()
            var fileSettings = ServerSettings()
            if let config {
                do {
                    let outbound = OutboundURLPolicy(allowLoopback: allowLoopbackUpstreams)
                    fileSettings = try ConfigLoader.load(path: config, environment: environment, outbound: outbound).server
                } catch {
                    throw StartupError("invalid config:\n\(error.description)")
                }
                options.configPath = config
            }
            options.allowLoopbackUpstreams = allowLoopbackUpstreams || fileSettings.allowLoopbackUpstreams == true
            if let value = listen ?? fileSettings.listen {
                (options.host, options.port) = try DaemonOptions.parseListen(value)
            }
            if let value = adminListen ?? fileSettings.adminListen {
                let address = try ListenAddress.parseAdminListen(value)
                guard address.port == 0 || address.port != options.port else {
                    throw StartupError("--admin-listen must use another port than --listen (\(options.port))")
                }
                options.adminListen = address
            }
            if let value = database ?? fileSettings.database { options.database = value }
            if let replicaId {
                try ReplicaIdentity.validate(replicaId)
                options.replicaId = replicaId
            }
            if let value = controlSocket ?? fileSettings.controlSocket { options.controlSocket = value }
            if let controlGroup { options.controlGroup = controlGroup }
            if let value = logLevel ?? fileSettings.logLevel { options.logLevel = value }
            if let value = logFormat ?? fileSettings.logFormat { options.logFormat = value }
            let accessLogChoice = accessLog ?? fileSettings.accessLog ?? "stdout"
            guard let destination = AccessLogDestination(parsing: accessLogChoice) else {
                throw StartupError("--access-log must be stdout, stderr or off, got '\(accessLogChoice)'")
            }
            options.accessLog = destination
            if let value = maxBodyBytes ?? fileSettings.maxBodyBytes {
                guard value > 0 else { throw StartupError("--max-body-bytes must be > 0") }
                options.dataPlane.maxBodyBytes = value
            }
            if let guardrailWindow {
                guard (16...65_536).contains(guardrailWindow) else { throw StartupError("--guardrail-window must be between 16 and 65536") }
                options.dataPlane.guardrailWindowBytes = guardrailWindow
            }
            if let clientIdleTimeout {
                guard clientIdleTimeout > 0 else { throw StartupError("--client-idle-timeout must be > 0") }
                options.dataPlane.clientIdleTimeoutSeconds = clientIdleTimeout
            }
            if let upstreamClient {
                guard let kind = UpstreamClientKind(parsing: upstreamClient) else { throw StartupError("--upstream-client must be ahc or nio") }
                options.dataPlane.upstreamClient = kind
            }
            if let siemSyslog { try options.siem.setSyslogTarget(siemSyslog) }
            options.siem.syslogTLS = siemSyslogTLS
            options.siem.syslogCAFile = siemSyslogCA
            options.siem.hecURL = siemHecURL
            if let durability {
                guard let mode = EvidenceSettings.Durability(rawValue: durability) else { throw StartupError("--durability must be strict or batched") }
                options.evidence.durability = mode
            }
            if let spoolDir { options.evidence.spoolDirectory = spoolDir }
            if let anchorInterval {
                guard anchorInterval.isFinite, (1...86_400).contains(anchorInterval) else {
                    throw StartupError("--anchor-interval must be 1 to 86400 seconds, got \(anchorInterval)")
                }
                options.anchors.intervalSeconds = anchorInterval
            }
            if let spoolMaxBytes {
                guard let bytes = EvidenceSettings.parseBytes(spoolMaxBytes), bytes >= 1 << 20 else {
                    throw StartupError("--spool-max-bytes must be at least 1M (bytes, or with K/M/G), got '\(spoolMaxBytes)'")
                }
                options.evidence.spoolMaxBytes = bytes
            }
            if let spoolFlushMs {
                guard (1...10_000).contains(spoolFlushMs) else { throw StartupError("--spool-flush-ms must be between 1 and 10000") }
                options.evidence.flushIntervalMs = spoolFlushMs
            }
            options.workloads.trustBundleDirectory = trustBundles ?? fileSettings.trustBundles
            if let jwtAudience = jwtAudience ?? fileSettings.jwtAudience {
                guard !jwtAudience.isEmpty else { throw StartupError("--jwt-audience must not be empty") }
                options.workloads.jwtAudience = jwtAudience
            }
            if let mtlsListen = mtlsListen ?? fileSettings.mtlsListen { try options.workloads.setMTLSListen(mtlsListen) }
            options.workloads.tlsCertificatePath = tlsCert ?? fileSettings.tlsCert
            options.workloads.tlsKeyPath = tlsKey ?? fileSettings.tlsKey
            guard Logger.Level(rawValue: options.logLevel) != nil else { throw StartupError("--log-level: unknown level '\(options.logLevel)'") }
            guard ["text", "json"].contains(options.logFormat) else { throw StartupError("--log-format must be text or json") }
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

