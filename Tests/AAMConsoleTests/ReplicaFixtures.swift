import AAMControlProtocol
import Foundation
@testable import AAMConsole

/// A three-replica cluster (this console on r0, r2 stale) and a single node, for the Replicas
/// view and the status line's cluster health.
extension Fixtures {
    static func replica(
        _ id: String, isSelf: Bool = false, live: Bool = true, port: Int, startedAgo: Double = 3 * 3600, age: Double? = 1.2,
        config: Int64 = 42, lagMs: Int64 = 0, leases: Int = 0
    ) -> ReplicaStatusRow {
        ReplicaStatusRow(
            id: id, isSelf: isSelf, live: live, listen: "10.0.0.\(port % 10):\(port)", version: "aamd 0.14",
            startedAt: now.addingTimeInterval(-startedAgo), heartbeatAgeSeconds: age, configVersion: config, feedLagMs: lagMs, leases: leases)
    }

    static let cluster = ReplicaRoster(clustered: true, store: "Postgres", readAgeSeconds: 0.8, replicas: [
        replica("r0", isSelf: true, port: 8081, age: 0.4, leases: 3),
        replica("r1", port: 8082, age: 1.9, lagMs: 1_450, leases: 1),
        replica("r2-with-a-rather-long-replica-id", live: false, port: 8083, startedAgo: 86_400 * 2, age: 47, config: 39),
    ])

    static let singleNode = ReplicaRoster(clustered: false, store: "SQLite", replicas: [
        replica("single-node", isSelf: true, port: 8080, startedAgo: 3600, age: nil, config: 7),
    ])

    static func status(cluster: ClusterHealth?) -> StatusView {
        StatusView(daemon: daemon, configVersion: 7, callsSinceStart: 12, errorsSinceStart: 1, subscribers: 1, providers: 3, deployments: 5,
                   aliases: 2, keys: 4, cluster: cluster)
    }
}
