import Foundation
import Synchronization

/// Each key's last-used time, updated by every authenticated call under its own small lock
/// (not the governance one), shown by `GET /admin/keys` and flushed to the store by
/// `GovernancePersistence` (server secret `key-last-used`) when it changed.
public final class KeyUsage: Sendable {
    private struct State: Sendable {
        var lastUsed: [String: Date] = [:]
        var dirty = false
    }

    private let state = Mutex(State())

    public init() {}

    public func touch(_ keyId: String, at date: Date) {
        state.withLock {
            if let known = $0.lastUsed[keyId], known >= date { return }
            $0.lastUsed[keyId] = date
            $0.dirty = true
        }
    }

    public func lastUsed(_ keyId: String) -> Date? {
        state.withLock { $0.lastUsed[keyId] }
    }

    /// The whole map if it changed since the last call (then marked clean), else nil.
    func takeChanges() -> [String: Date]? {
        state.withLock {
            guard $0.dirty else { return nil }
            $0.dirty = false
            return $0.lastUsed
        }
    }

    /// Marks the map dirty again (a flush failed).
    func markDirty() {
        state.withLock { $0.dirty = true }
    }

    /// Loads persisted times at start (the later of each wins).
    func merge(_ stored: [String: Date]) {
        state.withLock {
            $0.lastUsed.merge(stored) { max($0, $1) }
        }
    }
}
