import Foundation

// MARK: The cluster as the console sees it

/// Answer to the `replicas` query: every replica registered on the shared database as this
/// daemon last read the registry (it re-reads after each of its heartbeats), or on a single
/// node just this process.
public struct ReplicaRoster: Codable, Sendable, Equatable {
    /// False on a single node (SQLite or memory): `replicas` then holds this process alone.
    public var clustered: Bool
    /// What the daemon stores into: `Postgres`, `SQLite`, `memory`.
    public var store: String
    /// Seconds since the daemon last read the registry (nil: single node, or not read yet).
    public var readAgeSeconds: Double?
    /// Why the last read of the registry failed (nil when it succeeded): the rows are older.
    public var readError: String?
    /// Most recent heartbeat first.
    public var replicas: [ReplicaStatusRow]

    public init(clustered: Bool, store: String, readAgeSeconds: Double? = nil, readError: String? = nil, replicas: [ReplicaStatusRow]) {
        self.clustered = clustered
        self.store = store
        self.readAgeSeconds = readAgeSeconds
        self.readError = readError
        self.replicas = replicas
    }

    /// Replicas whose heartbeat is recent enough to count as live.
    public var liveCount: Int { replicas.filter(\.live).count }
}

/// One replica of the registry (`GET /admin/replicas` has the same figures).
public struct ReplicaStatusRow: Codable, Sendable, Equatable {
    /// `--replica-id`.
    public var id: String
    /// The replica answering this query.
    public var isSelf: Bool
    /// Heartbeat younger than the liveness limit (10 s), by the database's clock.
    public var live: Bool
    public var listen: String
    public var version: String
    public var startedAt: Date
    /// Age of its last heartbeat now (the database's age at the last read plus the time since);
    /// nil on a single node, which writes none.
    public var heartbeatAgeSeconds: Double?
    /// The configuration feed version it has applied (a single node: its snapshot version).
    public var configVersion: Int64
    /// How far behind the feed it was at its last heartbeat, in milliseconds.
    public var feedLagMs: Int64
    /// Budget and rate-limit leases it holds.
    public var leases: Int

    public init(
        id: String, isSelf: Bool, live: Bool, listen: String, version: String, startedAt: Date, heartbeatAgeSeconds: Double?,
        configVersion: Int64, feedLagMs: Int64, leases: Int
    ) {
        self.id = id
        self.isSelf = isSelf
        self.live = live
        self.listen = listen
        self.version = version
        self.startedAt = startedAt
        self.heartbeatAgeSeconds = heartbeatAgeSeconds
        self.configVersion = configVersion
        self.feedLagMs = feedLagMs
        self.leases = leases
    }
}

/// The cluster's health in one line, carried on `StatusView` so the status line needs no
/// `replicas` query. Absent on a single node and from daemons older than the cluster.
public struct ClusterHealth: Codable, Sendable, Equatable {
    /// This daemon's `--replica-id`.
    public var replicaId: String
    public var live: Int
    public var total: Int
    /// Seconds since this replica's configuration was last known current (`ConfigFeedStatus`).
    public var configStaleSeconds: Double

    public init(replicaId: String, live: Int, total: Int, configStaleSeconds: Double) {
        self.replicaId = replicaId
        self.live = live
        self.total = total
        self.configStaleSeconds = configStaleSeconds
    }

    /// Beyond this the status line says the configuration is stale (as `/readyz` does).
    public static let staleAfterSeconds: Double = 5
    public var isConfigStale: Bool { configStaleSeconds > Self.staleAfterSeconds }
}
