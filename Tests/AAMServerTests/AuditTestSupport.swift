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

/// A config store whose writes can be made to fail (the database going away mid-change).
final class FailingConfigStore: ConfigStore {
    let inner: any ConfigStore
    let failWrites = Atomic<Bool>(false)
    struct Unreachable: Error {}

    init(_ inner: any ConfigStore) { self.inner = inner }

    func loadAll() async throws -> [EntityKind: [String: Data]] { try await inner.loadAll() }
    func upsert(kind: EntityKind, id: String, document: Data) async throws {
        if failWrites.load(ordering: .relaxed) { throw Unreachable() }
        try await inner.upsert(kind: kind, id: id, document: document)
    }
    func delete(kind: EntityKind, id: String) async throws {
        if failWrites.load(ordering: .relaxed) { throw Unreachable() }
        try await inner.delete(kind: kind, id: id)
    }
    func serverSecret(named name: String) async throws -> Data? { try await inner.serverSecret(named: name) }
    func setServerSecret(named name: String, value: Data) async throws { try await inner.setServerSecret(named: name, value: value) }
}

/// A sink that keeps what it was given elsewhere than the audit store, like a spool that has
/// not drained yet: the store stays behind what is durable.
final class SpoolLikeSink: EvidenceSink {
    let items = Mutex<[EvidenceItem]>([])
    func appendDurably(_ new: [EvidenceItem]) async throws { items.withLock { $0 += new } }
}
