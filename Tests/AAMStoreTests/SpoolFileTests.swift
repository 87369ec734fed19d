import AAMCore
import Foundation
import Synchronization
import Testing

@testable import AAMStore

/// A small call record for spool tests.
func spoolTestRecord(_ index: Int) -> CallRecord {
    var record = CallRecord(
        requestId: "req_\(index)", startedAt: Date(timeIntervalSince1970: 1_800_000_000 + Double(index) + 0.125),
        endpoint: "/v1/chat/completions", status: 200, outcome: .success)
    record.alias = "fast"
    record.promptTokens = index
    return record
}

/// A fresh spool directory under the temporary folder, removed by `remove()`.
struct SpoolTestDirectory {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("aam-spool-\(UUID().uuidString)").path

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    var segmentFiles: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { $0.hasSuffix(".spool") }.sorted()
    }

    /// Every pending record, read and committed.
    static func drainAll(_ spool: EvidenceSpool, commit: Bool = true) async throws -> [EvidenceItem] {
        var items: [EvidenceItem] = []
        while let batch = try await spool.readPending(maxRecords: 7) {
            items += batch.items
            if commit { try await spool.commit(batch.end) } else { break }
        }
        return items
    }
}

/// The spool on real files: durability across reopen, torn and corrupted tails, group commit,
/// trimming, the bound and its alarm, the directory lock.
@Suite(.serialized) struct SpoolFileTests {
    @Test func appendedItemsSurviveAReopenInOrder() async throws {
        let directory = SpoolTestDirectory()
        defer { directory.remove() }
        let spool = try EvidenceSpool(directory: directory.path)
        try await spool.appendDurably([.call(spoolTestRecord(1)), .call(spoolTestRecord(2))])
        try await spool.appendDurably([.call(spoolTestRecord(3))])
        #expect(spool.backlog.records == 3)
        await spool.close()

        let reopened = try EvidenceSpool(directory: directory.path)
        #expect(reopened.recovery.pendingRecords == 3)
        #expect(reopened.recovery.truncatedBytes == 0)
        #expect(try await SpoolTestDirectory.drainAll(reopened) == [1, 2, 3].map { .call(spoolTestRecord($0)) })
        #expect(reopened.backlog.records == 0)
        await reopened.close()
        let again = try EvidenceSpool(directory: directory.path)
        #expect(again.recovery.pendingRecords == 0, "the cursor is durable")
        #expect(try await again.readPending() == nil)
        await again.close()
    }

    @Test func aTornTailIsCutOffAtOpenAndAppendingContinuesAfterTheLastWholeRecord() async throws {
        let directory = SpoolTestDirectory()
        defer { directory.remove() }
        let spool = try EvidenceSpool(directory: directory.path)
        for index in 1...5 { try await spool.appendDurably([.call(spoolTestRecord(index))]) }
        await spool.close()
        // A crash in the middle of writing record 6: half its frame reached the disk.
        var frame: [UInt8] = []
        try SpoolFrame.append(sequence: 6, appendedAtMs: 0, payload: try SpoolCodec.encode(.call(spoolTestRecord(6))), to: &frame)
        let segment = try #require(directory.segmentFiles.last)
        let handle = try #require(FileHandle(forWritingAtPath: directory.path + "/" + segment))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(frame.prefix(frame.count / 2)))
        try handle.close()

        let recovered = try EvidenceSpool(directory: directory.path)
        #expect(recovered.recovery.pendingRecords == 5)
        #expect(recovered.recovery.truncatedBytes == frame.count / 2)
        #expect(recovered.recovery.truncationReason?.hasPrefix("torn frame") == true)
        try await recovered.appendDurably([.call(spoolTestRecord(7))])
        await recovered.close()

        let reopened = try EvidenceSpool(directory: directory.path)
        #expect(reopened.recovery.truncatedBytes == 0)
        #expect(try await SpoolTestDirectory.drainAll(reopened) == [1, 2, 3, 4, 5, 7].map { .call(spoolTestRecord($0)) })
        await reopened.close()
    }

    @Test func aCorruptedLastRecordIsDroppedNotMisread() async throws {
        let directory = SpoolTestDirectory()
        defer { directory.remove() }
        let spool = try EvidenceSpool(directory: directory.path)
        for index in 1...4 { try await spool.appendDurably([.call(spoolTestRecord(index))]) }
        await spool.close()
        let file = directory.path + "/" + (try #require(directory.segmentFiles.last))
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
        bytes[bytes.count - 3] ^= 0xFF  // inside record 4's JSON
        try Data(bytes).write(to: URL(fileURLWithPath: file))

        let recovered = try EvidenceSpool(directory: directory.path)
        #expect(recovered.recovery.pendingRecords == 3)
        #expect(recovered.recovery.truncationReason?.contains("checksum mismatch") == true)
        #expect(try await SpoolTestDirectory.drainAll(recovered) == [1, 2, 3].map { .call(spoolTestRecord($0)) })
        await recovered.close()
    }

    /// Holds the writer inside its first fsync until 200 more appenders are waiting.
    final class SyncGate: Sendable {
        let entered = Atomic<Bool>(false)
        let open = Atomic<Bool>(false)

        func hold() {
            entered.store(true, ordering: .sequentiallyConsistent)
            let deadline = Date().addingTimeInterval(20)
            while !open.load(ordering: .sequentiallyConsistent), Date() < deadline { usleep(500) }
        }
    }

    @Test func concurrentAppendersShareOneFsyncAndAllBecomeDurable() async throws {
        let directory = SpoolTestDirectory()
        defer { directory.remove() }
        let gate = SyncGate()
        var options = EvidenceSpool.Options()
        options.beforeSync = { if !gate.open.load(ordering: .sequentiallyConsistent) { gate.hold() } }
        let spool = try EvidenceSpool(directory: directory.path, options: options)
        let first = Task { try await spool.appendDurably([.call(spoolTestRecord(0))]) }
        try await spoolPoll("the writer reaches its first fsync") { gate.entered.load(ordering: .sequentiallyConsistent) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 1...200 { group.addTask { try await spool.appendDurably([.call(spoolTestRecord(index))]) } }
            try await spoolPoll("200 appenders wait behind the fsync") { spool.waitingAppends == 200 }
            #expect(spool.syncCount == 0, "nobody is acknowledged before the fsync")
            gate.open.store(true, ordering: .sequentiallyConsistent)
            try await group.waitForAll()
        }
        try await first.value
        #expect(spool.syncCount == 2, "one fsync for the first appender, one shared by the other 200")
        #expect(spool.backlog.records == 201)
        await spool.close()
        let reopened = try EvidenceSpool(directory: directory.path)
        let items = try await SpoolTestDirectory.drainAll(reopened)
        #expect(Set(items) == Set((0...200).map { EvidenceItem.call(spoolTestRecord($0)) }))
        #expect(items.count == 201)
        await reopened.close()
    }

    @Test func drainedSegmentsAreTrimmedAndSequencesContinueAcrossThem() async throws {
        let directory = SpoolTestDirectory()
        defer { directory.remove() }
        var options = EvidenceSpool.Options()
        options.segmentBytes = 600
        let spool = try EvidenceSpool(directory: directory.path, options: options)
        for index in 1...60 { try await spool.appendDurably([.call(spoolTestRecord(index))]) }
        let segments = directory.segmentFiles.count
        #expect(segments > 3, "small segments rotate: \(segments)")
        #expect(spool.backlog.segments == segments)
        // Drain half: the segments wholly before the cursor go, the rest stay.
        var drained: [EvidenceItem] = []
        while drained.count < 30, let batch = try await spool.readPending(maxRecords: 30 - drained.count) {
            drained += batch.items
            try await spool.commit(batch.end)
        }
        #expect(directory.segmentFiles.count < segments)
        #expect(directory.segmentFiles.count > 1)
        drained += try await SpoolTestDirectory.drainAll(spool)
        #expect(drained == (1...60).map { .call(spoolTestRecord($0)) })
        #expect(directory.segmentFiles.count == 1, "only the active segment remains")
        try await spool.appendDurably([.call(spoolTestRecord(61))])
        await spool.close()
        let reopened = try EvidenceSpool(directory: directory.path)
        let batch = try #require(try await reopened.readPending())
        #expect(batch.items == [.call(spoolTestRecord(61))])
        #expect(batch.end.sequence == 61)
        await reopened.close()
    }

    @Test func atTheLimitAppendsAreRefusedTheAlarmRisesAndDrainingReopens() async throws {
        let directory = SpoolTestDirectory()
        defer { directory.remove() }
        var options = EvidenceSpool.Options()
        options.limitBytes = 4_000
        options.callReserveBytes = 500
        let spool = try EvidenceSpool(directory: directory.path, options: options)
        let alarms = Mutex<[SpoolAlarm]>([])
        spool.onAlarm { alarm in alarms.withLock { $0.append(alarm) } }
        var accepted = 0
        var refusal: SpoolError?
        for index in 1...100 {
            do {
                try await spool.appendDurably([.call(spoolTestRecord(index))])
                accepted += 1
            } catch let error as SpoolError {
                refusal = error
                break
            }
        }
        #expect(refusal?.kind == .full)
        #expect(accepted > 5)
        #expect(spool.backlog.bytes <= 4_000)
        #expect(spool.backlog.records == accepted)
        #expect(!spool.acceptsNewCalls)
        guard case .raised(let raised)? = alarms.withLock({ $0.first }) else {
            Issue.record("no alarm")
            return
        }
        #expect(raised.bytes >= 3_200)
        // Nothing was half-appended: the refused record is not in the spool.
        let items = try await SpoolTestDirectory.drainAll(spool)
        #expect(items == (1...accepted).map { .call(spoolTestRecord($0)) })
        #expect(spool.acceptsNewCalls)
        guard case .cleared? = alarms.withLock({ $0.last }) else {
            Issue.record("the alarm did not clear")
            return
        }
        try await spool.appendDurably([.call(spoolTestRecord(1_000))])
        await spool.close()
    }

    @Test func aSecondProcessCannotOpenAHeldSpool() async throws {
        let directory = SpoolTestDirectory()
        defer { directory.remove() }
        let spool = try EvidenceSpool(directory: directory.path)
        #expect(throws: SpoolError.self) { _ = try EvidenceSpool(directory: directory.path) }
        await spool.close()
        let again = try EvidenceSpool(directory: directory.path)
        await again.close()
    }

    @Test func appendsAfterCloseAreRefused() async throws {
        let directory = SpoolTestDirectory()
        defer { directory.remove() }
        let spool = try EvidenceSpool(directory: directory.path)
        await spool.close()
        await #expect(throws: SpoolError.self) { try await spool.appendDurably([.call(spoolTestRecord(1))]) }
    }
}

/// Polls `condition` every 5 ms until it holds, failing after `seconds`.
func spoolPoll(_ what: String, seconds: Double = 20, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while try await !condition() {
        guard ContinuousClock.now < deadline else {
            Issue.record("timed out waiting: \(what)")
            throw CancellationError()
        }
        try await Task.sleep(for: .milliseconds(5))
    }
}
