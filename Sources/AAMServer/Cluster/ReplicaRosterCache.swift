import AAMCore
import Foundation
import Synchronization

/// The replica registry as this replica last read it, for readers that may not await or touch
/// the store (the control socket's queries answer from memory). The heartbeat service refreshes
/// it after each beat; on a single node it only knows that there is no cluster.
public final class ReplicaRosterCache: Sendable {
    public struct Reading: Sendable, Equatable {
        /// Who this replica is (nil: single node, no registry).
        public var identity: ReplicaIdentity?
        /// `Postgres`, `SQLite` or `memory`.
        public var store: String
        /// The registry at the last successful read, most recent heartbeat first.
        public var rows: [ReplicaRow] = []
        /// When the last successful read happened, by this replica's clock (nil: none yet).
        public var readAt: Date?
        /// Why the last read failed (nil once one succeeds).
        public var readError: String?
    }

    private let state = Mutex(Reading(identity: nil, store: "memory"))

    public init() {}

    public var reading: Reading { state.withLock { $0 } }

    /// Replicas live at the last read (at least 1: this one), for sharing a limit locally.
    var liveCount: Int {
        max(reading.rows.filter { ReplicaLiveness.isLive(heartbeatAgeSeconds: $0.heartbeatAgeSeconds) }.count, 1)
    }

    /// A single node (no shared database): `store` names what it runs on.
    func standsAlone(store: String) {
        state.withLock { $0 = Reading(identity: nil, store: store) }
    }

    /// This process is `identity` in the registry of a shared Postgres database.
    func joined(as identity: ReplicaIdentity) {
        state.withLock { $0 = Reading(identity: identity, store: "Postgres") }
    }

    func refreshed(_ rows: [ReplicaRow], at now: Date) {
        state.withLock {
            $0.rows = rows
            $0.readAt = now
            $0.readError = nil
        }
    }

    func readFailed(_ reason: String) {
        state.withLock { $0.readError = reason }
    }

    /// What `--database URL` runs on, as the console names it.
    static func storeName(forDatabase url: String) -> String {
        if url.hasPrefix("sqlite:") { return "SQLite" }
        if url.hasPrefix("postgres") { return "Postgres" }
        return "memory"
    }
}
