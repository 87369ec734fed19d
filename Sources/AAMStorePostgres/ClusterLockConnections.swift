import AAMCore
import Foundation
import Logging
import PostgresNIO

/// The connections that hold cluster-wide advisory locks, one per lock name, outside the pool.
///
/// A session advisory lock belongs to the connection that took it, so taking and releasing
/// must happen on the same one; a pooled connection cannot be kept across two calls. Each name
/// gets its own lazily opened connection (locks nest: a config change appends to the audit
/// chain while holding its own lock). If a connection breaks, its lock is gone with it on the
/// server, and the next `acquire` opens a new one. Callers serialize their own use of a name
/// (the registry's and the audit log's gates), so one process never waits on itself here.
actor ClusterLockConnections {
    private let url: PostgresURL
    private let logger: Logger
    private let timeout: Duration
    private var connections: [ClusterLockName: PostgresConnection] = [:]

    init(url: PostgresURL, logger: Logger, timeout: Duration) {
        self.url = url
        self.logger = logger
        self.timeout = timeout
    }

    /// Takes the lock, waiting up to the timeout (polling `pg_try_advisory_lock`, so the wait
    /// is bounded without changing `lock_timeout`).
    func acquire(_ name: ClusterLockName) async throws {
        let deadline = ContinuousClock.now + timeout
        var pause = Duration.milliseconds(2)
        while true {
            let connection = try await connection(for: name)
            do {
                var taken = false
                for try await value in try await connection.query("SELECT pg_try_advisory_lock(\(name.rawValue))", logger: logger)
                    .decode(Bool.self)
                {
                    taken = value
                }
                if taken { return }
            } catch {
                drop(name)
                throw PostgresStoreError("Postgres (\(url)): cannot take the cluster lock '\(name)': \(PostgresStore.describe(error))")
            }
            guard ContinuousClock.now < deadline else {
                throw PostgresStoreError("Postgres (\(url)): the cluster lock '\(name)' was not free within \(timeout)")
            }
            try await Task.sleep(for: pause)
            pause = min(pause * 2, .milliseconds(50))
        }
    }

    /// Releases the lock; if that fails the connection is closed, which releases it too.
    func release(_ name: ClusterLockName) async {
        guard let connection = connections[name] else { return }
        do {
            _ = try await connection.query("SELECT pg_advisory_unlock(\(name.rawValue))", logger: logger)
        } catch {
            drop(name)
        }
    }

    func closeAll() async {
        for connection in connections.values { try? await connection.close() }
        connections = [:]
    }

    private func connection(for name: ClusterLockName) async throws -> PostgresConnection {
        if let existing = connections[name], !existing.isClosed { return existing }
        var configuration = PostgresConnection.Configuration(
            host: url.host, port: url.port, username: url.user, password: url.password, database: url.database,
            tls: try PostgresTLS.connection(for: url))
        let (seconds, attoseconds) = Duration.seconds(5).components
        configuration.options.connectTimeout = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        do {
            let connection = try await PostgresConnection.connect(configuration: configuration, id: Int(name.rawValue & 0xFFFF), logger: logger)
            connections[name] = connection
            return connection
        } catch {
            throw PostgresStoreError("Postgres (\(url)): cannot connect for the cluster lock '\(name)': \(PostgresStore.describe(error))")
        }
    }

    private func drop(_ name: ClusterLockName) {
        guard let connection = connections.removeValue(forKey: name) else { return }
        Task { try? await connection.close() }
    }
}
