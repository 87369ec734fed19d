import AAMCore
import Foundation
import Synchronization
import Testing

@testable import AAMStore

/// A call store that refuses, for their content, every batch holding a poisoned request id
/// (like Postgres refusing a whole INSERT for one bad row), or everything while `down`.
final class SpoolTestPoisonedStore: CallRecordStore {
    struct Refused: StoreWriteRefusal, CustomStringConvertible {
        var refusesContent: Bool
        var description: String { refusesContent ? "invalid byte sequence for encoding \"UTF8\": 0x00 (SQLSTATE 22021)" : "connection refused" }
    }
    let inner = InMemoryCallRecordStore()
    let poisoned: Mutex<Set<String>>
    let down = Atomic<Bool>(false)
    init(poisoned: Set<String>) { self.poisoned = Mutex(poisoned) }
    func append(_ records: [CallRecord]) async throws {
        if down.load(ordering: .relaxed) { throw Refused(refusesContent: false) }
        let bad = poisoned.withLock { $0 }
        if records.contains(where: { bad.contains($0.requestId) }) { throw Refused(refusesContent: true) }
        try await inner.append(records)
    }
    func recentCalls(limit: Int) async throws -> [CallRecord] { try await inner.recentCalls(limit: limit) }
    func callCount() async throws -> Int { try await inner.callCount() }
    func call(requestId: String) async throws -> CallRecord? { try await inner.call(requestId: requestId) }
    func calls(since date: Date) async throws -> [CallRecord] { try await inner.calls(since: date) }
}

/// An audit store that refuses chosen sequences for their content.
final class SpoolTestPoisonedAuditStore: AdminAuditStore {
    let inner = SpoolTestAuditStore()
    let poisoned: Set<Int64>
    init(poisoned: Set<Int64>) { self.poisoned = poisoned }
    func appendAudit(_ entries: [AdminAuditEntry]) async throws {
        if entries.contains(where: { poisoned.contains($0.sequence) }) { throw SpoolTestPoisonedStore.Refused(refusesContent: true) }
        try await inner.appendAudit(entries)
    }
    func lastAudit() async throws -> AdminAuditEntry? { try await inner.lastAudit() }
    func auditEntries(_ query: AdminAuditQuery) async throws -> [AdminAuditEntry] { try await inner.auditEntries(query) }
}

/// The drain never blocks on one bad record: refused records go to the quarantine, intact and
/// counted, and the rest flows on; transient failures still retry with nothing set aside.
@Suite(.serialized) struct SpoolQuarantineTests {
    final class Lines: Sendable {
        let lines = Mutex<[String]>([])
        func log(_ message: String, _ isError: Bool) { if isError { lines.withLock { $0.append(message) } } }
        var all: [String] { lines.withLock { $0 } }
    }

    @Test func aRefusedRecordIsQuarantinedAndTheRestOfTheBatchAndLaterBatchesFlowOn() async throws {
        let directory = SpoolTestDirectory()
        defer { directory.remove() }
        let spool = try EvidenceSpool(directory: directory.path)
        let store = SpoolTestPoisonedStore(poisoned: ["req_5"])
        let lines = Lines()
        let drainer = SpoolDrainer(spool: spool, calls: store, audit: nil, batchSize: 8, log: lines.log)
        for index in 1...20 { try await spool.appendDurably([.call(spoolTestRecord(index))]) }
        try await drainer.drainAvailable()
        #expect(try await store.callCount() == 19)
        #expect(try await store.call(requestId: "req_5") == nil)
        #expect(try await store.call(requestId: "req_6") != nil, "the rest of the refused batch was written")
        #expect(spool.backlog.records == 0, "the drain moved past the bad record")
        #expect(drainer.quarantine.quarantinedSinceStart == 1)
        #expect(drainer.quarantine.count == 1)
        let listed = try await drainer.quarantine.list()
        #expect(listed.map(\.id) == ["req_5"])
        #expect(listed.first?.kind == "call")
        #expect(listed.first?.sequence == 5)
        #expect(listed.first?.reason.contains("0x00") == true)
        #expect(listed.first?.item == nil, "the listing carries no record contents")
        // Kept intact on disk.
        let kept = try await drainer.quarantine.entries()
        #expect(kept.first?.item == .call(spoolTestRecord(5)))
        #expect(lines.all.contains { $0.contains("call record req_5 quarantined") })
        await spool.close()

        // A reopen finds it still there; nothing is drained twice.
        let reopened = try EvidenceSpool(directory: directory.path)
        let again = SpoolDrainer(spool: reopened, calls: store, audit: nil)
        #expect(try await again.quarantine.list().count == 1)
        #expect(reopened.recovery.pendingRecords == 0)
        await reopened.close()
    }

    @Test func aBatchReReadAfterATransientFailureDoesNotQuarantineTwice() async throws {
        let directory = SpoolTestDirectory()
        defer { directory.remove() }
        let spool = try EvidenceSpool(directory: directory.path)
        let store = SpoolTestPoisonedStore(poisoned: ["req_2"])
        let quarantine = EvidenceQuarantine(directory: directory.path)
        let drainer = SpoolDrainer(spool: spool, calls: store, audit: nil, quarantine: quarantine)
        for index in 1...3 { try await spool.appendDurably([.call(spoolTestRecord(index))]) }
        // The quarantine got the refused record, then the process died before the commit.
        try await quarantine.add([QuarantinedEvidence(sequence: 2, item: .call(spoolTestRecord(2)), reason: "refused", at: Date())])
        try await drainer.drainAvailable()
        #expect(try await quarantine.list().count == 1)
        #expect(quarantine.quarantinedSinceStart == 1)
        #expect(try await store.callCount() == 2)
        await spool.close()
    }

    @Test func whileTheDatabaseIsUnreachableNothingIsQuarantinedAndNothingCommitted() async throws {
        let directory = SpoolTestDirectory()
        defer { directory.remove() }
        let spool = try EvidenceSpool(directory: directory.path)
        let store = SpoolTestPoisonedStore(poisoned: ["req_1"])
        store.down.store(true, ordering: .relaxed)
        let drainer = SpoolDrainer(spool: spool, calls: store, audit: nil)
        for index in 1...4 { try await spool.appendDurably([.call(spoolTestRecord(index))]) }
        await #expect(throws: SpoolTestPoisonedStore.Refused.self) { try await drainer.drainAvailable() }
        #expect(spool.backlog.records == 4)
        #expect(try await drainer.quarantine.list().isEmpty)
        #expect(drainer.failureCount == 1)
        store.down.store(false, ordering: .relaxed)
        try await drainer.drainAvailable()
        #expect(try await store.callCount() == 3)
        #expect(try await drainer.quarantine.list().map(\.id) == ["req_1"])
        await spool.close()
    }

    @Test func aRefusedAuditEntryIsKeptAndAlarmedAsAGapWhileLaterEntriesAndCallsFlow() async throws {
        let directory = SpoolTestDirectory()
        defer { directory.remove() }
        let spool = try EvidenceSpool(directory: directory.path)
        let calls = InMemoryCallRecordStore()
        let audit = SpoolTestPoisonedAuditStore(poisoned: [2])
        let lines = Lines()
        let drainer = SpoolDrainer(spool: spool, calls: calls, audit: audit, log: lines.log)
        try await spool.appendDurably([.audit(spoolTestAudit(1)), .audit(spoolTestAudit(2)), .call(spoolTestRecord(1)), .audit(spoolTestAudit(3))])
        try await drainer.drainAvailable()
        #expect(try await audit.auditEntries(AdminAuditQuery()).map(\.sequence) == [1, 3])
        #expect(try await calls.callCount() == 1)
        let kept = try await drainer.quarantine.entries()
        #expect(kept.map(\.kind) == ["audit"])
        #expect(kept.first?.item == .audit(spoolTestAudit(2)), "kept intact, hash and all")
        #expect(lines.all.contains { $0.contains("audit entry 2 quarantined") && $0.contains("gap") })
        await spool.close()
    }

    @Test func anUndecodableRecordIsQuarantinedAsBytesAndReplayGoesOn() async throws {
        let directory = SpoolTestDirectory()
        defer { directory.remove() }
        let spool = try EvidenceSpool(directory: directory.path)
        for index in 1...3 { try await spool.appendDurably([.call(spoolTestRecord(index))]) }
        await spool.close()
        // A whole, checksummed frame whose payload is not an evidence item (a bug, or a record
        // from a newer version), followed by a good record.
        var frames: [UInt8] = []
        let garbage = Array(#"{"not":"evidence"}"#.utf8)
        try SpoolFrame.append(sequence: 4, appendedAtMs: 0, payload: garbage, to: &frames)
        try SpoolFrame.append(sequence: 5, appendedAtMs: 0, payload: try SpoolCodec.encode(.call(spoolTestRecord(5))), to: &frames)
        let segment = try #require(directory.segmentFiles.last)
        let handle = try #require(FileHandle(forWritingAtPath: directory.path + "/" + segment))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(frames))
        try handle.close()

        let reopened = try EvidenceSpool(directory: directory.path)
        #expect(reopened.recovery.pendingRecords == 5)
        let calls = InMemoryCallRecordStore()
        let drainer = SpoolDrainer(spool: reopened, calls: calls, audit: nil)
        try await drainer.drainAvailable()
        #expect(try await calls.callCount() == 4)
        let kept = try await drainer.quarantine.entries()
        #expect(kept.map(\.kind) == ["unreadable"])
        #expect(kept.first?.sequence == 4)
        #expect(kept.first?.raw.flatMap { Data(base64Encoded: $0) }.map(Array.init) == garbage, "the bytes are kept intact")
        #expect(reopened.backlog.records == 0)
        await reopened.close()
    }

    @Test func aQuarantineLineTornByACrashIsCutAndAppendingGoesOn() async throws {
        let directory = SpoolTestDirectory()
        defer { directory.remove() }
        try FileManager.default.createDirectory(atPath: directory.path, withIntermediateDirectories: true)
        let first = EvidenceQuarantine(directory: directory.path)
        try await first.add([QuarantinedEvidence(sequence: 1, item: .call(spoolTestRecord(1)), reason: "r", at: Date())])
        let handle = try #require(FileHandle(forWritingAtPath: first.path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"key":"2:call:req_2","seq"#.utf8))
        try handle.close()
        let second = EvidenceQuarantine(directory: directory.path)
        try await second.add([QuarantinedEvidence(sequence: 3, item: .call(spoolTestRecord(3)), reason: "r", at: Date())])
        #expect(try await EvidenceQuarantine(directory: directory.path).entries().map(\.id) == ["req_1", "req_3"])
        // Removing by key (re-drive, discard) rewrites the file durably.
        try await second.remove(keys: ["1:call:req_1"])
        #expect(try await EvidenceQuarantine(directory: directory.path).list().map(\.id) == ["req_3"])
    }
}
