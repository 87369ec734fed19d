import AAMCore
import Foundation
import Logging
import ServiceLifecycle

/// Writes this replica's row of the registry every `interval` (the database stamps the time),
/// then reads the whole registry into `roster` (the console's Replicas view and status line
/// answer from it without touching the database), and removes the row at a graceful stop.
/// Each beat also measures this replica's clock against the database's (`ClockAlignment`).
struct ReplicaHeartbeatService: Service {
    static let interval: Duration = .seconds(2)
    let identity: ReplicaIdentity
    let cluster: any ClusterStore
    let feed: ConfigFeedStatus
    let clock: any WallClock
    /// Re-aligned to the database's clock at every beat (nil: a manual clock, left alone).
    let aligned: AlignedClock?
    let logger: Logger
    let boundListen: @Sendable () -> String?
    let leases: @Sendable () async -> Int
    let roster: ReplicaRosterCache

    func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            await beat()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: Self.interval) }
        }
        try? await cluster.removeReplica(id: identity.id, instance: identity.instance)
    }

    func beat() async {
        if let aligned { await ClockAlignment.measure(cluster, aligned: aligned, logger: logger) }
        let reading = feed.reading
        let heartbeat = ReplicaHeartbeat(
            id: identity.id, instance: identity.instance, version: ReplicaIdentity.softwareVersion, listen: boundListen() ?? identity.listen,
            startedAt: identity.startedAt, configVersion: reading.appliedVersion, feedLagMs: feed.lagMilliseconds(at: clock.now()),
            leases: await leases())
        do { try await cluster.heartbeat(heartbeat) } catch {
            logger.warning("replica heartbeat failed", metadata: ["reason": "\(error)"])
        }
        do { roster.refreshed(try await cluster.replicas(), at: clock.now()) } catch {
            roster.readFailed("\(error)")
        }
    }
}
