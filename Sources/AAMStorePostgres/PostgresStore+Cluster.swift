import AAMCore
import Foundation
import PostgresNIO

/// The shared part of several replicas on one database (`ClusterStore`): the change feed that
/// the `entities_feed` and `pricing_feed` triggers append to (schema 3), cluster-wide advisory
/// locks, LISTEN/NOTIFY, and the replica registry. Every time here is the database's clock, so
/// replicas with skewed clocks still agree on ages.
extension PostgresStore: ClusterStore {
    public func configChanges(after version: Int64, limit: Int) async throws -> [ConfigFeedEntry] {
        try await run("read the configuration feed after version \(version)") { [self] in
            let rows = try await client.query(
                """
                SELECT c.version, c.kind, c.id, e.document FROM config_changes c
                LEFT JOIN entities e ON e.kind = c.kind AND e.id = c.id
                WHERE c.version > \(version) ORDER BY c.version LIMIT \(limit)
                """,
                logger: logger)
            var entries: [ConfigFeedEntry] = []
            for try await (version, kind, id, document) in rows.decode((Int64, String, String, ByteBuffer?).self) {
                entries.append(ConfigFeedEntry(version: version, kind: kind, id: id, document: document.map { Data($0.readableBytesView) }))
            }
            return entries
        }
    }

    public func latestConfigVersion() async throws -> Int64 {
        try await run("read the configuration feed version") { [self] in
            let rows = try await client.query("SELECT COALESCE(MAX(version), 0)::int8 FROM config_changes", logger: logger)
            for try await version in rows.decode(Int64.self) { return version }
            return 0
        }
    }

    public func databaseTime() async throws -> Date {
        try await run("read the database's clock") { [self] in
            let rows = try await client.query("SELECT extract(epoch FROM clock_timestamp())::float8", logger: logger)
            for try await seconds in rows.decode(Double.self) { return Date(timeIntervalSince1970: seconds) }
            throw ClusterClockError()
        }
    }

    struct ClusterClockError: Error, CustomStringConvertible {
        var description: String { "the database returned no time" }
    }

    public func acquireClusterLock(_ name: ClusterLockName) async throws {
        try await clusterLocks.acquire(name)
    }

    public func releaseClusterLock(_ name: ClusterLockName) async {
        await clusterLocks.release(name)
    }

    public func listen(
        channel: String, onListening: @Sendable () async -> Void, onNotification: @Sendable (String) async -> Void
    ) async throws {
        try await client.withConnection { connection in
            try await connection.listen(on: channel) { notifications in
                await onListening()
                for try await notification in notifications {
                    await onNotification(notification.payload)
                }
            }
        }
    }

    public func notify(channel: String, payload: String) async throws {
        try await run("notify '\(channel)'") { [self] in
            try await client.query("SELECT pg_notify(\(channel), \(payload))", logger: logger)
        }
    }

    public func heartbeat(_ beat: ReplicaHeartbeat) async throws {
        try await run("write the heartbeat of replica '\(beat.id)'") { [self] in
            try await client.query(
                """
                INSERT INTO replicas (id, instance, version, listen, started_at, heartbeat_at, config_version, feed_lag_ms, leases)
                VALUES (\(beat.id), \(beat.instance), \(beat.version), \(beat.listen), \(beat.startedAt), now(), \(beat.configVersion),
                        \(beat.feedLagMs), \(beat.leases))
                ON CONFLICT (id) DO UPDATE SET instance = EXCLUDED.instance, version = EXCLUDED.version, listen = EXCLUDED.listen,
                  started_at = EXCLUDED.started_at, heartbeat_at = now(), config_version = EXCLUDED.config_version,
                  feed_lag_ms = EXCLUDED.feed_lag_ms, leases = EXCLUDED.leases
                """,
                logger: logger)
        }
    }

    public func replica(id: String) async throws -> ReplicaRow? {
        try await replicaRows(where: id).first
    }

    public func replicas() async throws -> [ReplicaRow] {
        try await replicaRows(where: nil)
    }

    public func removeReplica(id: String, instance: String) async throws {
        try await run("remove replica '\(id)'") { [self] in
            try await client.query("DELETE FROM replicas WHERE id = \(id) AND instance = \(instance)", logger: logger)
        }
    }

    private func replicaRows(where id: String?) async throws -> [ReplicaRow] {
        try await run("read the replica registry") { [self] in
            let columns = """
                SELECT id, instance, version, listen, started_at, heartbeat_at, config_version, feed_lag_ms, leases::int8,
                       EXTRACT(EPOCH FROM (now() - heartbeat_at))::float8 FROM replicas
                """
            let query: PostgresQuery
            if let id { query = "\(unescaped: columns) WHERE id = \(id)" } else { query = "\(unescaped: columns) ORDER BY heartbeat_at DESC, id" }
            let rows = try await client.query(query, logger: logger)
            var result: [ReplicaRow] = []
            for try await row in rows {
                let (rid, instance, version, listen, started, beat, configVersion, lag, leases, age) =
                    try row.decode((String, String, String, String, Date, Date, Int64, Int64, Int64, Double).self)
                result.append(ReplicaRow(
                    heartbeat: ReplicaHeartbeat(
                        id: rid, instance: instance, version: version, listen: listen, startedAt: started, configVersion: configVersion,
                        feedLagMs: lag, leases: Int(leases)),
                    lastHeartbeatAt: beat, heartbeatAgeSeconds: max(age, 0)))
            }
            return result
        }
    }
}
