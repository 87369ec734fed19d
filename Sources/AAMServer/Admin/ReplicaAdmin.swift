import AAMCore
import Foundation
import Hummingbird

/// `GET /admin/replicas`: every replica registered on the shared database, as the registry
/// holds it (ages measured by the database's clock), marked `self` for the one answering.
/// On a single node (SQLite, memory) the list holds just this process.
enum ReplicaAdmin {
    struct Replica: Encodable, Sendable {
        var id: String
        var `self`: Bool
        var live: Bool
        var version: String
        var listen: String
        var startedAt: Date
        var lastHeartbeatAt: Date?
        var heartbeatAgeSeconds: Double
        var configVersion: Int64
        var feedLagMs: Int64
        var leases: Int
    }

    struct Listing: Encodable, Sendable {
        var clustered: Bool
        var live: Int
        var replicas: [Replica]
    }

    static func register(on router: Router<GatewayContext>, routes: AdminRoutes, view: ClusterView) {
        router.get("admin/replicas") { request, context in await routes.guarded(request, context) { _ in
            Responses.json(try await listing(view))
        } }
    }

    static func listing(_ view: ClusterView) async throws -> Listing {
        guard let cluster = view.cluster, let identity = view.identity else {
            let me = Replica(
                id: view.identity?.id ?? "single-node", self: true, live: true, version: ReplicaIdentity.softwareVersion, listen: view.listen(),
                startedAt: view.identity?.startedAt ?? Date(), lastHeartbeatAt: nil, heartbeatAgeSeconds: 0,
                configVersion: view.feed.reading.appliedVersion, feedLagMs: 0, leases: 0)
            return Listing(clustered: false, live: 1, replicas: [me])
        }
        let rows: [ReplicaRow]
        do { rows = try await cluster.replicas() } catch {
            throw AdminError(status: 503, "the replica registry could not be read from the database; retry when it is reachable", code: .storeUnavailable)
        }
        let replicas = rows.map { row in
            Replica(
                id: row.heartbeat.id, self: identity.wrote(row.heartbeat), live: ReplicaLiveness.isLive(heartbeatAgeSeconds: row.heartbeatAgeSeconds), version: row.heartbeat.version, listen: row.heartbeat.listen,
                startedAt: row.heartbeat.startedAt, lastHeartbeatAt: row.lastHeartbeatAt, heartbeatAgeSeconds: row.heartbeatAgeSeconds,
                configVersion: row.heartbeat.configVersion, feedLagMs: row.heartbeat.feedLagMs, leases: row.heartbeat.leases)
        }
        return Listing(clustered: true, live: replicas.filter(\.live).count, replicas: replicas)
    }
}

/// What the admin API, `/readyz` and the metrics know of the cluster this process is part of.
struct ClusterView: Sendable {
    var cluster: (any ClusterStore)?
    var identity: ReplicaIdentity?
    var feed: ConfigFeedStatus
    var listen: @Sendable () -> String
}
