import AAMCore
import Foundation
import Synchronization

/// The in-memory twin of `AdminAuditStore`: entries kept exactly as given, ordered by sequence.
public final class InMemoryAdminAuditStore: AdminAuditStore {
    private let entries = Mutex<[Int64: AdminAuditEntry]>([:])

    public init() {}

    public func appendAudit(_ batch: [AdminAuditEntry]) async throws {
        entries.withLock { entries in
            for entry in batch where entries[entry.sequence] == nil { entries[entry.sequence] = entry }
        }
    }

    public func lastAudit() async throws -> AdminAuditEntry? {
        entries.withLock { $0.max { $0.key < $1.key }?.value }
    }

    public func auditEntries(_ query: AdminAuditQuery) async throws -> [AdminAuditEntry] {
        let matching = entries.withLock { $0.values.filter(query.matches) }
        return Array(matching.sorted { $0.sequence < $1.sequence }.prefix(max(0, query.limit)))
    }
}

extension AdminAuditQuery {
    /// The filter every backend applies: sequence after `afterSequence`, exact actor and action,
    /// target exact or by prefix (`key:*`), `from` and `to` inclusive.
    public func matches(_ entry: AdminAuditEntry) -> Bool {
        guard entry.sequence > afterSequence else { return false }
        if let actor, entry.actor != actor { return false }
        if let action, entry.action != action { return false }
        if let target {
            if target.hasSuffix("*") {
                guard entry.target.hasPrefix(target.dropLast()) else { return false }
            } else if entry.target != target {
                return false
            }
        }
        if let from, entry.at < from { return false }
        if let to, entry.at > to { return false }
        return true
    }
}
