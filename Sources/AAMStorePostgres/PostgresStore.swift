import AAMCore
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// The production store (`--database postgres://…`): configuration entities, server secrets,
/// call records and the admin audit trail in one Postgres database, through PostgresNIO's
/// connection pool. Every port has the same semantics as `SQLiteStore` (one conformance suite).
///
/// The pool (`PostgresClient`) needs a long-running task: `open` starts it and `close` cancels
/// it, which closes every connection. No lock is held across a query; the pool serializes
/// nothing but connection leases, so appends and reads run concurrently.
public final class PostgresStore: ConfigStore, CallRecordStore, AdminAuditStore {
    /// Pool size and timeouts (defaults suit one gateway).
    public struct Options: Sendable {
        /// Upper bound on open connections.
        public var maximumConnections: Int = 8
        /// How long one connection attempt may take before it counts as failed.
        public var connectTimeout: Duration = .seconds(5)
        /// How long one store operation may take (waiting for a connection included) before it
        /// fails with "unreachable"; the pool alone would keep a caller waiting up to a minute
        /// while the server is down.
        public var operationTimeout: Duration = .seconds(15)
        public init() {}
    }

    let client: PostgresClient
    let url: PostgresURL
    let logger: Logger
    let operationTimeout: Duration
    private let runner: Task<Void, Never>
    /// Keys the call-record chain once attached (`PostgresStore+EvidenceChain`).
    let chainAuthenticator = Mutex<(any EvidenceAuthenticator)?>(nil)
    let chainGate = ChainWriteGate()
    /// The connections holding cluster-wide advisory locks (`PostgresStore+Cluster`).
    let clusterLocks: ClusterLockConnections

    private init(client: PostgresClient, url: PostgresURL, logger: Logger, operationTimeout: Duration) {
        self.client = client
        self.url = url
        self.logger = logger
        self.operationTimeout = operationTimeout
        self.clusterLocks = ClusterLockConnections(url: url, logger: logger, timeout: operationTimeout)
        runner = Task { await client.run() }
    }

    /// Connects to `urlText`, checks that the server answers, and applies pending migrations.
    /// Errors name the URL with its password masked and say why (refused, auth, no database).
    public static func open(url urlText: String, options: Options = Options(), logger: Logger? = nil) async throws -> PostgresStore {
        let url = try PostgresURL(parsing: urlText)
        let logger = logger ?? Logger(label: "aam.store.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
        let tls = try PostgresTLS.client(for: url)
        // One direct connection first: the pool retries failed connects quietly and would only
        // report "circuit breaker tripped"; a direct attempt says why.
        try await probe(url: url, timeout: options.connectTimeout, logger: logger)

        var configuration = PostgresClient.Configuration(
            host: url.host, port: url.port, username: url.user, password: url.password, database: url.database, tls: tls)
        configuration.options.maximumConnections = options.maximumConnections
        configuration.options.connectTimeout = options.connectTimeout
        let store = PostgresStore(client: PostgresClient(configuration: configuration, backgroundLogger: logger), url: url, logger: logger,
            operationTimeout: options.operationTimeout)
        do {
            try await store.migrate()
        } catch {
            await store.close()
            throw PostgresStoreError("cannot prepare the Postgres database at \(url): \(describe(error))")
        }
        return store
    }

    private static func probe(url: PostgresURL, timeout: Duration, logger: Logger) async throws {
        let connectionTLS = try PostgresTLS.connection(for: url)
        var configuration = PostgresConnection.Configuration(
            host: url.host, port: url.port, username: url.user, password: url.password, database: url.database, tls: connectionTLS)
        let (seconds, attoseconds) = timeout.components
        configuration.options.connectTimeout = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        do {
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
            try? await connection.close()
        } catch {
            throw PostgresStoreError("cannot connect to the Postgres database at \(url): \(describe(error))")
        }
    }

    /// Stops the pool and closes every connection. Queries after `close` fail.
    public func close() async {
        await clusterLocks.closeAll()
        runner.cancel()
        await runner.value
    }

    /// The version a freshly opened database reaches (the highest migration).
    public static var latestSchemaVersion: Int { PostgresMigrations.all.map(\.version).max() ?? 0 }

    /// The applied schema version (highest migration).
    public func schemaVersion() async throws -> Int {
        try await run("read the schema version") { [self] in
            let rows = try await client.query("SELECT COALESCE(MAX(version), 0)::int8 FROM schema_migrations", logger: logger)
            for try await version in rows.decode(Int.self) { return version }
            return 0
        }
    }

    /// Runs `body`, turning PostgresNIO's deliberately vague errors into `PostgresStoreError`s
    /// that say what failed and why (server message, SQLSTATE or connection error), never a password.
    /// Each operation has `operationTimeout` to finish.
    @discardableResult
    func run<T: Sendable>(_ what: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        do {
            guard let value = try await withDeadline(operationTimeout, body) else {
                throw PostgresStoreError(
                    "Postgres (\(url)): cannot \(what): no answer within \(operationTimeout) (is the database reachable?)")
            }
            return value
        } catch let error as PostgresStoreError {
            throw error
        } catch {
            throw PostgresStoreError("Postgres (\(url)): cannot \(what): \(Self.describe(error))", sqlState: Self.sqlState(of: error))
        }
    }

    /// The SQLSTATE the server answered with, if it refused the statement.
    static func sqlState(of error: any Error) -> String? {
        if let error = error as? PSQLError { return error.serverInfo?[.sqlState] }
        if let error = error as? PostgresTransactionError, let inner = error.closureError ?? error.beginError ?? error.commitError {
            return sqlState(of: inner)
        }
        return nil
    }

    /// Words for a PostgresNIO error: the server's message and SQLSTATE, or the connection error.
    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let info = error.serverInfo, let message = info[.message] {
                return message + (info[.sqlState].map { " (SQLSTATE \($0))" } ?? "")
            }
            if let underlying = error.underlying { return "\(error.code): \(describe(underlying))" }
            return "\(error.code)"
        }
        if let error = error as? PostgresTransactionError {
            if let inner = error.closureError ?? error.beginError ?? error.commitError { return describe(inner) }
            return "transaction failed"
        }
        // The pool's own error type is not importable (an internal module); match it by name.
        let text = String(reflecting: error)
        if text.contains("connectionCreationCircuitBreakerTripped") {
            return "the database is unreachable (no connection could be made in time)"
        }
        if error is CancellationError { return "cancelled" }
        return text
    }
}
