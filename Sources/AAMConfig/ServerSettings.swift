/// The `server:` section: daemon settings that the command line may also set.
///
/// Every field is optional. The one precedence (flag > environment > this file > default) and
/// the table of names are `DaemonSetting` in AAMServer. Secrets (master key, admin token, SIEM
/// HEC token) have no key here: they belong in the environment or a `…_FILE`.
public struct ServerSettings: Sendable, Equatable {
    /// `HOST:PORT` of the data plane and admin API listener.
    public var listen: String?
    /// `HOST:PORT` or `PORT` of the admin API and `/metrics` listener (`--admin-listen`).
    public var adminListen: String?
    /// `sqlite:PATH` or `postgres://USER[:PASS]@HOST:PORT/DB`.
    public var database: String?
    /// Path of the local control socket.
    public var controlSocket: String?
    /// Largest request body accepted, in bytes.
    public var maxBodyBytes: Int?
    /// One of `ServerSettings.logLevels`.
    public var logLevel: String?
    /// `text` or `json`.
    public var logFormat: String?
    /// Where the access log goes (`--access-log`): one of `ServerSettings.accessLogs`.
    public var accessLog: String?
    /// Directory of SPIFFE trust bundles (`--trust-bundles`), as written (relative to the
    /// daemon's working directory, like `database` and `controlSocket`).
    public var trustBundles: String?
    /// Audience a JWT-SVID must name (`--jwt-audience`).
    public var jwtAudience: String?
    /// `HOST:PORT` of the listener requiring X.509-SVID client certificates (`--mtls-listen`).
    public var mtlsListen: String?
    /// PEM certificate chain of the mTLS listener (`--tls-cert`).
    public var tlsCert: String?
    /// PEM private key of the mTLS listener (`--tls-key`).
    public var tlsKey: String?
    /// Whether upstream URLs may name loopback, link-local or unspecified hosts
    /// (`--allow-loopback-upstreams`); see `OutboundURLPolicy`.
    public var allowLoopbackUpstreams: Bool?
    /// A group allowed on the control socket (`--control-group`).
    public var controlGroup: String?
    /// Seconds a client may stall or idle (`--client-idle-timeout`).
    public var clientIdleTimeout: Double?
    /// Streaming guardrails' hold-back window in bytes (`--guardrail-window`).
    public var guardrailWindow: Int?
    /// `nio` or `ahc` (`--upstream-client`).
    public var upstreamClient: String?
    /// Event-loop threads (`--threads`; 0 = one per core).
    public var threads: Int?
    /// This replica's name in a cluster (`--replica-id`).
    public var replicaId: String?
    /// `strict` or `batched` (`--durability`).
    public var durability: String?
    /// Evidence spool directory (`--spool-dir`).
    public var spoolDir: String?
    /// Undrained spool limit, bytes or K/M/G (`--spool-max-bytes`).
    public var spoolMaxBytes: String?
    /// Batched durability's flush interval (`--spool-flush-ms`).
    public var spoolFlushMs: Int?
    /// Seconds between evidence anchors (`--anchor-interval`).
    public var anchorInterval: Double?
    /// Syslog receiver `HOST:PORT` (`--siem-syslog`).
    public var siemSyslog: String?
    /// TLS to the syslog receiver (`--siem-syslog-tls`).
    public var siemSyslogTls: Bool?
    /// PEM CA of the syslog receiver (`--siem-syslog-ca`).
    public var siemSyslogCa: String?
    /// HEC collector URL (`--siem-hec-url`); its token only from the environment.
    public var siemHecUrl: String?

    public init(
        listen: String? = nil, database: String? = nil, controlSocket: String? = nil,
        maxBodyBytes: Int? = nil, logLevel: String? = nil, logFormat: String? = nil,
        trustBundles: String? = nil, jwtAudience: String? = nil, mtlsListen: String? = nil,
        tlsCert: String? = nil, tlsKey: String? = nil
    ) {
        self.trustBundles = trustBundles
        self.jwtAudience = jwtAudience
        self.mtlsListen = mtlsListen
        self.tlsCert = tlsCert
        self.tlsKey = tlsKey
        self.listen = listen
        self.database = database
        self.controlSocket = controlSocket
        self.maxBodyBytes = maxBodyBytes
        self.logLevel = logLevel
        self.logFormat = logFormat
    }

    /// Every value that is set, as text, by its `server:` key (what the daemon's resolver takes).
    public var keyedValues: [String: String] {
        let values: [(String, String?)] = [
            ("listen", listen), ("adminListen", adminListen), ("database", database), ("controlSocket", controlSocket),
            ("maxBodyBytes", maxBodyBytes.map(String.init)), ("logLevel", logLevel), ("logFormat", logFormat),
            ("accessLog", accessLog), ("trustBundles", trustBundles), ("jwtAudience", jwtAudience),
            ("mtlsListen", mtlsListen), ("tlsCert", tlsCert), ("tlsKey", tlsKey),
            ("allowLoopbackUpstreams", allowLoopbackUpstreams.map(String.init)), ("controlGroup", controlGroup),
            ("clientIdleTimeout", clientIdleTimeout.map { String($0) }), ("guardrailWindow", guardrailWindow.map(String.init)),
            ("upstreamClient", upstreamClient), ("threads", threads.map(String.init)), ("replicaId", replicaId),
            ("durability", durability), ("spoolDir", spoolDir), ("spoolMaxBytes", spoolMaxBytes),
            ("spoolFlushMs", spoolFlushMs.map(String.init)), ("anchorInterval", anchorInterval.map { String($0) }),
            ("siemSyslog", siemSyslog), ("siemSyslogTls", siemSyslogTls.map(String.init)), ("siemSyslogCa", siemSyslogCa),
            ("siemHecUrl", siemHecUrl),
        ]
        return Dictionary(uniqueKeysWithValues: values.compactMap { key, value in value.map { (key, $0) } })
    }

    /// Accepted `upstreamClient` values.
    public static let upstreamClients = ["nio", "ahc"]
    /// Accepted `durability` values.
    public static let durabilities = ["strict", "batched"]
    /// Accepted `logLevel` values (swift-log's levels).
    public static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
    /// Accepted `logFormat` values.
    public static let logFormats = ["text", "json"]
    /// Accepted `accessLog` values.
    public static let accessLogs = ["stdout", "stderr", "off"]
}
