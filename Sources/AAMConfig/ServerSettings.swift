/// The `server:` section: daemon settings that the command line may also set.
///
/// Every field is optional; a flag given to `aamd` wins over the file, and the file wins over
/// the built-in default.
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

    /// Accepted `logLevel` values (swift-log's levels).
    public static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
    /// Accepted `logFormat` values.
    public static let logFormats = ["text", "json"]
    /// Accepted `accessLog` values.
    public static let accessLogs = ["stdout", "stderr", "off"]
}
