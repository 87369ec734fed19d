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

    /// Takes the lock, waiting up to the timeout: one blocking `pg_advisory_lock` on this
    /// name's own connection, whose `lock_timeout` bounds the wait (set once at connect: the
    /// connection is not pooled, so the setting reaches nothing else). One statement per
    /// acquisition, however contended, instead of a polling loop.
    ///
    /// Every query here also runs under a client-side deadline: a connection the server dropped
    /// (a Postgres restart) can leave a query waiting forever, and a lock holder that never
    /// returns would stall everything queued behind the lock (the evidence drain behind the
    /// call-record chain). Past the deadline the connection is dropped and the next use opens
    /// a new one.
    func acquire(_ name: ClusterLockName) async throws {
        let connection = try await connection(for: name)
        let logger = self.logger
        do {
            let done = try await withDeadline(timeout + .seconds(2)) {
                _ = try await connection.query("SELECT pg_advisory_lock(\(name.rawValue))", logger: logger)
                return true
            }
            guard done != nil else {
                drop(name)
                throw PostgresStoreError("Postgres (\(url)): no answer taking the cluster lock '\(name)' within \(timeout)")
            }
        } catch let error as PostgresStoreError {
            throw error
        } catch {
            drop(name)
            if PostgresStore.sqlState(of: error) == "55P03" {
                throw PostgresStoreError("Postgres (\(url)): the cluster lock '\(name)' was not free within \(timeout)")
            }
            throw PostgresStoreError("Postgres (\(url)): cannot take the cluster lock '\(name)': \(PostgresStore.describe(error))")
        }
    }

    /// Releases the lock; if that fails the connection is closed, which releases it too.
    func release(_ name: ClusterLockName) async {
        guard let connection = connections[name] else { return }
        let logger = self.logger
        let done = try? await withDeadline(.seconds(5)) {
            _ = try await connection.query("SELECT pg_advisory_unlock(\(name.rawValue))", logger: logger)
            return true
        }
        // No answer or an error: closing the connection releases the lock on the server.
        if done == nil { drop(name) }
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
            // Bounded as a whole: the connect timeout covers the TCP connect, not the start-up
            // exchange, which a server in the middle of a restart can leave unanswered.
            let connectLogger = logger
            let settings = configuration
            let id = Int(name.rawValue & 0xFFFF)
            let connected = try await withDeadline(.seconds(10)) {
                try await PostgresConnection.connect(configuration: settings, id: id, logger: connectLogger)
            }
            guard let connection = connected else {
                throw PostgresStoreError("Postgres (\(url)): no answer connecting for the cluster lock '\(name)'")
            }
            let milliseconds = timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000
            let logger = self.logger
            let set = try? await withDeadline(.seconds(5)) {
                _ = try await connection.query("SELECT set_config('lock_timeout', \(String(milliseconds)), false)", logger: logger)
                return true
            }
            guard set != nil else {
                Task { try? await connection.close() }
                throw PostgresStoreError("Postgres (\(url)): cannot prepare the connection for the cluster lock '\(name)'")
            }
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
