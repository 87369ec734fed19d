import AAMControlProtocol
import AAMCore
import Foundation

/// The `replicas` query and the cluster line of `status`, from `ReplicaRosterCache` (what the
/// heartbeat service last read from the registry) and `ConfigFeedStatus`: no store access.
extension ControlQueries {
    /// Every registered replica with its heartbeat aged to `now`; on a single node this process
    /// alone, with no heartbeat (it writes none).
    func replicas(at now: Date) -> ReplicaRoster {
        let roster = runtime.replicaRoster.reading
        guard let identity = roster.identity else {
            let daemon = daemon
            let me = ReplicaStatusRow(
                id: "single-node", isSelf: true, live: true, listen: daemon.listen, version: ReplicaIdentity.softwareVersion,
                startedAt: daemon.startedAt, heartbeatAgeSeconds: nil, configVersion: Int64(runtime.snapshots.snapshot.version), feedLagMs: 0,
                leases: 0)
            return ReplicaRoster(clustered: false, store: roster.store, replicas: [me])
        }
        // Ages were measured by the database at the read; the time since is added on this
        // replica's clock, so a registry that cannot be re-read shows every row ageing.
        let sinceRead = roster.readAt.map { max(0, now.timeIntervalSince($0)) }
        let rows = roster.rows.map { row in
            let age = row.heartbeatAgeSeconds + (sinceRead ?? 0)
            return ReplicaStatusRow(
                id: row.heartbeat.id, isSelf: identity.wrote(row.heartbeat), live: ReplicaLiveness.isLive(heartbeatAgeSeconds: age), listen: row.heartbeat.listen, version: row.heartbeat.version,
                startedAt: row.heartbeat.startedAt, heartbeatAgeSeconds: age, configVersion: row.heartbeat.configVersion,
                feedLagMs: row.heartbeat.feedLagMs, leases: row.heartbeat.leases)
        }
        return ReplicaRoster(clustered: true, store: roster.store, readAgeSeconds: sinceRead, readError: roster.readError, replicas: rows)
    }

    /// Live replicas of all registered, and how stale this replica's configuration is (nil: single node).
    func clusterHealth(at now: Date) -> ClusterHealth? {
        guard let identity = runtime.replicaRoster.reading.identity else { return nil }
        let roster = replicas(at: now)
        return ClusterHealth(
            replicaId: identity.id, live: roster.liveCount, total: roster.replicas.count,
            configStaleSeconds: runtime.registry.feedStatus.staleSeconds(at: now))
    }
}
