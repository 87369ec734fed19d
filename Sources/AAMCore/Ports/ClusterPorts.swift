import Foundation

/// One entry of the configuration change feed: something named `kind`/`id` changed at
/// `version`. `kind` is an `EntityKind` raw value, or `pricing` for the price table. The feed
/// names what changed, not how: a follower reads the current document, so applying entries in
/// version order converges on the stored state whatever it missed in between.
public struct ConfigFeedEntry: Sendable, Hashable {
    public var version: Int64
    public var kind: String
    public var id: String
    /// The entity's document now; nil when it was deleted (or `kind` is not an entity).
    public var document: Data?

    public init(version: Int64, kind: String, id: String, document: Data?) {
        self.version = version
        self.kind = kind
        self.id = id
        self.document = document
    }

    public static let pricingKind = "pricing"
}

/// What a replica tells the others about itself (its heartbeat row).
public struct ReplicaHeartbeat: Sendable, Hashable, Codable {
    /// `--replica-id`, by default `hostname:port`.
    public var id: String
    /// A random id of this process: two processes claiming the same replica id are told apart.
    public var instance: String
    public var version: String
    public var listen: String
    public var startedAt: Date
    /// The highest feed version this replica has applied.
    public var configVersion: Int64
    /// How far behind the feed this replica was at its last sync, in milliseconds.
    public var feedLagMs: Int64
    /// Budget and rate-limit leases it holds.
    public var leases: Int

    public init(
        id: String, instance: String, version: String, listen: String, startedAt: Date, configVersion: Int64 = 0, feedLagMs: Int64 = 0,
        leases: Int = 0
    ) {
        self.id = id
        self.instance = instance
        self.version = version
        self.listen = listen
        self.startedAt = startedAt
        self.configVersion = configVersion
        self.feedLagMs = feedLagMs
        self.leases = leases
    }
}

/// A replica as the registry shows it: its last heartbeat, aged by the database's clock.
public struct ReplicaRow: Sendable, Hashable, Codable {
    public var heartbeat: ReplicaHeartbeat
    public var lastHeartbeatAt: Date
    /// Seconds since the last heartbeat, measured by the database (no replica clock involved).
    public var heartbeatAgeSeconds: Double

    public init(heartbeat: ReplicaHeartbeat, lastHeartbeatAt: Date, heartbeatAgeSeconds: Double) {
        self.heartbeat = heartbeat
        self.lastHeartbeatAt = lastHeartbeatAt
        self.heartbeatAgeSeconds = heartbeatAgeSeconds
    }
}

/// Cluster-wide mutual exclusion, by name. Each is a Postgres advisory lock in a cluster.
public enum ClusterLockName: Int64, Sendable {
    /// Configuration changes: read the feed, change, audit, persist, as one step cluster-wide.
    case configChange = 0x4141_4D5F_4346_4731  // "AAM_CFG1"
    /// The admin audit chain: one appender at a time across replicas.
    case auditChain = 0x4141_4D5F_4155_4431  // "AAM_AUD1"
    /// The call-record chain (`evidence_chain`): one linker at a time across replicas.
    case callChain = 0x4141_4D5F_4348_4E31  // "AAM_CHN1"
}

/// What several replicas on one database share besides the entities: the change feed, the
/// replica registry, cluster-wide locks and notifications. Implemented by the Postgres store;
/// SQLite and memory stay single-node and implement none of it.
public protocol ClusterStore: Sendable {
    /// Feed entries after `version`, oldest first, at most `limit`, each with its current document.
    func configChanges(after version: Int64, limit: Int) async throws -> [ConfigFeedEntry]
    /// The newest feed version (0 when empty).
    func latestConfigVersion() async throws -> Int64
    /// The database's clock now (shared windows are cut on it: `AlignedClock`).
    func databaseTime() async throws -> Date
    /// Takes the named cluster-wide lock, waiting a bounded time (throws when it stays taken or
    /// the database is unreachable). One holder per name per process: callers serialize.
    func acquireClusterLock(_ name: ClusterLockName) async throws
    /// Releases it (a lost connection releases it on the server by itself).
    func releaseClusterLock(_ name: ClusterLockName) async
    /// Waits for notifications on `channel` and hands each payload to `onNotification` until the
    /// connection fails (throws) or the task is cancelled (returns). `onListening` runs once
    /// the LISTEN is in place, so a caller can catch up on what it may have missed before.
    func listen(
        channel: String, onListening: @Sendable () async -> Void, onNotification: @Sendable (String) async -> Void
    ) async throws
    /// Sends `payload` to every listener of `channel` (delivered when the statement commits).
    func notify(channel: String, payload: String) async throws
    /// Writes this replica's heartbeat (the database stamps the time).
    func heartbeat(_ beat: ReplicaHeartbeat) async throws
    /// The live row of `id`, if any: to refuse a second process claiming a live replica's id.
    func replica(id: String) async throws -> ReplicaRow?
    /// Every registered replica, most recent heartbeat first.
    func replicas() async throws -> [ReplicaRow]
    /// Removes the row of a replica that stopped gracefully.
    func removeReplica(id: String, instance: String) async throws
}
