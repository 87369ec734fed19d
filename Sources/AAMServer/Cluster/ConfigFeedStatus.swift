import Foundation
import Synchronization

/// How current this replica's configuration is, readable from any thread without awaiting the
/// registry: `/readyz`, `/metrics`, the heartbeat and the console read it.
public final class ConfigFeedStatus: Sendable {
    public struct Reading: Sendable, Hashable {
        /// The highest feed version applied (0 before the first sync, or single-node).
        public var appliedVersion: Int64 = 0
        /// When the last sync with the database succeeded.
        public var lastSyncAt: Date?
        /// Why the last sync failed, if it did (cleared by the next success).
        public var lastError: String?
        /// When a notification last announced a version newer than the applied one, if it is
        /// still pending: the start of the current lag.
        public var pendingSince: Date?
    }

    private let state = Mutex(Reading())

    public init() {}

    public var reading: Reading { state.withLock { $0 } }

    func synced(to version: Int64, at now: Date) {
        state.withLock {
            $0.appliedVersion = max($0.appliedVersion, version)
            $0.lastSyncAt = now
            $0.lastError = nil
            $0.pendingSince = nil
        }
    }

    func failed(_ reason: String) {
        state.withLock { $0.lastError = reason }
    }

    /// A notification named `version`: if it is ahead of what is applied, the lag starts now.
    func announced(_ version: Int64, at now: Date) {
        state.withLock {
            if version > $0.appliedVersion, $0.pendingSince == nil { $0.pendingSince = now }
        }
    }

    /// Seconds since the configuration was last known current (0 when never synced: a single
    /// node has nothing to be behind of).
    public func staleSeconds(at now: Date) -> Double {
        guard let last = reading.lastSyncAt else { return 0 }
        return max(now.timeIntervalSince(last), 0)
    }

    /// Milliseconds between an announced change and its application (the current lag).
    public func lagMilliseconds(at now: Date) -> Int64 {
        guard let since = reading.pendingSince else { return 0 }
        return Int64(max(now.timeIntervalSince(since), 0) * 1000)
    }
}
