import AAMCore
import Foundation
import Synchronization
import Testing

@testable import AAMStore

/// An audit store that keeps entries by sequence (idempotent), for drain tests.
final class SpoolTestAuditStore: AdminAuditStore {
    let entries = Mutex<[Int64: AdminAuditEntry]>([:])
    func appendAudit(_ new: [AdminAuditEntry]) async throws {
        entries.withLock { entries in for entry in new where entries[entry.sequence] == nil { entries[entry.sequence] = entry } }
    }
    func lastAudit() async throws -> AdminAuditEntry? { entries.withLock { $0.values.max { $0.sequence < $1.sequence } } }
    func auditEntries(_ query: AdminAuditQuery) async throws -> [AdminAuditEntry] {
        entries.withLock { Array($0.values.sorted { $0.sequence < $1.sequence }.filter { $0.sequence > query.afterSequence }.prefix(query.limit)) }
    }
}

/// A call store that refuses while `down` is set, like an unreachable database.
final class SpoolTestFlakyStore: CallRecordStore {
    let inner = InMemoryCallRecordStore()
    let down = Atomic<Bool>(false)
    let refusals = Atomic<Int>(0)
    struct Unreachable: Error {}
    func append(_ records: [CallRecord]) async throws {
        if down.load(ordering: .relaxed) {
            refusals.wrappingAdd(1, ordering: .relaxed)
            throw Unreachable()
        }
        try await inner.append(records)
    }
    func recentCalls(limit: Int) async throws -> [CallRecord] { try await inner.recentCalls(limit: limit) }
    func callCount() async throws -> Int { try await inner.callCount() }
    func call(requestId: String) async throws -> CallRecord? { try await inner.call(requestId: requestId) }
    func calls(since date: Date) async throws -> [CallRecord] { try await inner.calls(since: date) }
}

func spoolTestAudit(_ sequence: Int64) -> AdminAuditEntry {
    AdminAuditEntry(
        sequence: sequence, at: Date(timeIntervalSince1970: 1_800_000_000 + Double(sequence)), actor: "admin:tok", channel: "api",
        action: "key.create", target: "key:k_\(sequence)", before: nil, after: "{}", previousHash: String(repeating: "0", count: 64),
        hash: String(repeating: "b", count: 64))
}

/// The drain: spool order into the stores, exactly once across crashes, patient with a down database.
@Suite(.serialized) struct SpoolDrainerTests {
    @Test func callsAndAuditEntriesReachTheirStoresInOrder() async throws {
        let directory = SpoolTestDirectory()
        defer { directory.remove() }
        let spool = try EvidenceSpool(directory: directory.path)
        let calls = InMemoryCallRecordStore()
        let audit = SpoolTestAuditStore()
        try await spool.appendDurably([.call(spoolTestRecord(1)), .audit(spoolTestAudit(1)), .call(spoolTestRecord(2))])
        try await spool.appendDurably([.audit(spoolTestAudit(2)), .call(spoolTestRecord(3))])
        let drainer = SpoolDrainer(spool: spool, calls: calls, audit: audit, batchSize: 2)
        try await drainer.drainAvailable()
        #expect(try await calls.recentCalls(limit: 10).map(\.requestId) == ["req_3", "req_2", "req_1"])
        #expect(try await audit.auditEntries(AdminAuditQuery()).map(\.sequence) == [1, 2])
        #expect(drainer.drainedCount == 5)
        #expect(spool.backlog.records == 0)
        await spool.close()
    }

    @Test func aCrashBetweenTheStoreWriteAndTheCursorReplaysWithoutDuplicates() async throws {
        let directory = SpoolTestDirectory()
        defer { directory.remove() }
        let calls = InMemoryCallRecordStore()
        let spool = try EvidenceSpool(directory: directory.path)
        for index in 1...50 { try await spool.appendDurably([.call(spoolTestRecord(index))]) }
        // The store got the first batch, then the process died before the cursor was committed.
        let batch = try #require(try await spool.readPending(maxRecords: 20))
        try await calls.append(batch.items.compactMap { if case .call(let record) = $0 { record } else { nil } })
        await spool.close()

        let restarted = try EvidenceSpool(directory: directory.path)
        #expect(restarted.recovery.pendingRecords == 50)
        try await SpoolDrainer(spool: restarted, calls: calls, audit: nil).drainAvailable()
        #expect(try await calls.callCount() == 50, "the replayed 20 were not stored twice")
        #expect(try await calls.recentCalls(limit: 100).map(\.requestId) == (1...50).reversed().map { "req_\($0)" })
        await restarted.close()
    }

    @Test func whileTheDatabaseIsDownTheBacklogGrowsAndDrainsOnRecovery() async throws {
        let directory = SpoolTestDirectory()
        defer { directory.remove() }
        let store = SpoolTestFlakyStore()
        store.down.store(true, ordering: .relaxed)
        let spool = try EvidenceSpool(directory: directory.path)
        let drainer = SpoolDrainer(spool: spool, calls: store, audit: nil)
        let running = Task { await drainer.run(maxBackoff: .milliseconds(40)) }
        for index in 1...30 { try await spool.appendDurably([.call(spoolTestRecord(index))]) }
        try await spoolPoll("the drain has failed against the down store") { store.refusals.load(ordering: .relaxed) >= 2 }
        #expect(spool.backlog.records == 30)
        #expect(drainer.lastFailure != nil)
        #expect(try await store.callCount() == 0)
        store.down.store(false, ordering: .relaxed)
        try await spoolPoll("the backlog drains after recovery") { spool.backlog.records == 0 }
        #expect(try await store.callCount() == 30)
        running.cancel()
        await running.value
        await spool.close()
    }

    @Test func auditEntriesWithoutAnAuditStoreWaitInTheSpoolInsteadOfBeingDropped() async throws {
        let directory = SpoolTestDirectory()
        defer { directory.remove() }
        let spool = try EvidenceSpool(directory: directory.path)
        try await spool.appendDurably([.call(spoolTestRecord(1)), .audit(spoolTestAudit(1))])
        let calls = InMemoryCallRecordStore()
        await #expect(throws: (any Error).self) { try await SpoolDrainer(spool: spool, calls: calls, audit: nil).drainAvailable() }
        #expect(spool.backlog.records == 2, "nothing committed")
        let audit = SpoolTestAuditStore()
        try await SpoolDrainer(spool: spool, calls: calls, audit: audit).drainAvailable()
        #expect(try await audit.auditEntries(AdminAuditQuery()).count == 1)
        #expect(try await calls.callCount() == 1)
        await spool.close()
    }

    /// Not a timed assertion: prints records/s through the spool with fsync, one record per
    /// append from 64 concurrent callers (strict mode's pattern) against 100-record appends
    /// (batched mode's flush), and checks that every record became durable.
    @Test func benchmarkStrictAndBatchedAppendRates() async throws {
        let directory = SpoolTestDirectory()
        defer { directory.remove() }
        let spool = try EvidenceSpool(directory: directory.path)
        let total = 20_000
        let callers = 64
        let strictStart = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for caller in 0..<callers {
                group.addTask {
                    for index in stride(from: caller, to: total, by: callers) { try await spool.appendDurably([.call(spoolTestRecord(index))]) }
                }
            }
            try await group.waitForAll()
        }
        let strictSeconds = (ContinuousClock.now - strictStart) / .seconds(1)
        let strictSyncs = spool.syncCount
        let batchedStart = ContinuousClock.now
        for start in stride(from: total, to: 2 * total, by: 100) {
            try await spool.appendDurably((start..<(start + 100)).map { .call(spoolTestRecord($0)) })
        }
        let batchedSeconds = (ContinuousClock.now - batchedStart) / .seconds(1)
        #expect(spool.backlog.records == 2 * total)
        print(String(
            format: "spool benchmark: strict (1 record/append, %d callers) %.0f records/s, %d fsyncs (%.1f records/fsync); batched (100/append) %.0f records/s",
            callers, Double(total) / strictSeconds, strictSyncs, Double(total) / Double(max(strictSyncs, 1)), Double(total) / batchedSeconds))
        await spool.close()
    }
}
