import AAMCore
import Foundation
import Synchronization

/// An in-memory `AdminAuditStore` whose appends can be made to fail, to test what happens when
/// the audit trail cannot be written. Filters like the real stores (`AdminAuditQuery`).
final class TestAuditStore: AdminAuditStore {
    private let entries = Mutex<[Int64: AdminAuditEntry]>([:])
    /// Appends still to refuse.
    let failures = Atomic<Int>(0)

    struct Refused: Error {}

    func appendAudit(_ new: [AdminAuditEntry]) async throws {
        if failures.load(ordering: .relaxed) > 0 {
            failures.subtract(1, ordering: .relaxed)
            throw Refused()
        }
        entries.withLock { stored in
            for entry in new where stored[entry.sequence] == nil { stored[entry.sequence] = entry }
        }
    }

    func lastAudit() async throws -> AdminAuditEntry? {
        entries.withLock { $0.values.max { $0.sequence < $1.sequence } }
    }

    func auditEntries(_ query: AdminAuditQuery) async throws -> [AdminAuditEntry] {
        let all = entries.withLock { $0.values.sorted { $0.sequence < $1.sequence } }
        return Array(all.filter { entry in
            entry.sequence > query.afterSequence
                && query.actor.map { entry.actor == $0 } ?? true
                && query.action.map { entry.action == $0 } ?? true
                && query.target.map { target in
                    target.hasSuffix("*") ? entry.target.hasPrefix(target.dropLast()) : entry.target == target
                } ?? true
                && query.from.map { entry.at >= $0 } ?? true
                && query.to.map { entry.at < $0 } ?? true
        }.prefix(query.limit))
    }

    var all: [AdminAuditEntry] { entries.withLock { $0.values.sorted { $0.sequence < $1.sequence } } }
}

/// A clock the test moves by hand.
final class AuditTestClock: WallClock {
    let current = Mutex(Date(timeIntervalSince1970: 1_790_000_000))
    func now() -> Date { current.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}
