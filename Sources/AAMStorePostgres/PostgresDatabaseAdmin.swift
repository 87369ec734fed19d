import Foundation
import Logging
import PostgresNIO

/// Creates and drops whole databases on a server (tests and benchmarks give each run its own
/// database and drop it afterwards). Needs a role allowed to `CREATE DATABASE`.
public enum PostgresDatabaseAdmin {
    /// Creates a new, empty database with a unique name (`<prefix>_<random hex>`) on the server
    /// of `url` and returns the URL of the new database.
    public static func createScratchDatabase(on url: PostgresURL, prefix: String = "aam_t") async throws -> PostgresURL {
        let name = prefix + "_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        try await execute("CREATE DATABASE \(name)", on: url, what: "create the database \(name)")
        return url.with(database: name)
    }

    /// Drops the database named in `url` (connecting to the server's maintenance database
    /// through `via`), closing any connection still open to it.
    public static func dropDatabase(_ url: PostgresURL, via admin: PostgresURL) async throws {
        let quoted = "\"" + url.database.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        try await execute("DROP DATABASE IF EXISTS \(quoted) WITH (FORCE)", on: admin, what: "drop the database \(url.database)")
    }

    /// Runs one statement on its own connection (CREATE/DROP DATABASE cannot run in a transaction).
    public static func execute(_ sql: String, on url: PostgresURL, what: String) async throws {
        let logger = Logger(label: "aam.store.postgres.admin", factory: { _ in SwiftLogNoOpLogHandler() })
        let configuration = PostgresConnection.Configuration(
            host: url.host, port: url.port, username: url.user, password: url.password, database: url.database,
            tls: try PostgresTLS.connection(for: url))
        do {
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
            do {
                try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
            } catch {
                try? await connection.close()
                throw error
            }
            try await connection.close()
        } catch {
            throw PostgresStoreError("Postgres (\(url)): cannot \(what): \(PostgresStore.describe(error))")
        }
    }
}
