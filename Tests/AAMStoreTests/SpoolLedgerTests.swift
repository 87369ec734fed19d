import Foundation
import Testing

@testable import AAMStore

/// The spool's bookkeeping, event by event: backlog, limit, rotation, trimming, alarm, oldest age.
@Suite struct SpoolLedgerTests {
    func ledger(limit: Int = 1000, segmentTarget: Int = 300) -> SpoolLedger {
        SpoolLedger(
            segments: [SpoolSegment(firstSequence: 1)], drained: SpoolPosition(sequence: 0, segment: 1, offset: 0),
            limitBytes: limit, highWaterBytes: limit * 8 / 10, segmentTargetBytes: segmentTarget)
    }

    @Test func backlogCountsWrittenRecordsAndBytesUntilDrained() {
        var ledger = ledger()
        #expect(ledger.backlog().records == 0)
        #expect(ledger.backlog().oldestAppendedAt == nil)
        _ = ledger.recordWritten(records: 3, bytes: 120, atMs: 10_000)
        _ = ledger.recordWritten(records: 2, bytes: 80, atMs: 10_500)
        #expect(ledger.backlogRecords == 5)
        #expect(ledger.backlogBytes == 200)
        #expect(ledger.nextSequence == 6)
        #expect(ledger.backlog().oldestAppendedAt == Date(timeIntervalSince1970: 10))
        _ = ledger.drain(to: SpoolPosition(sequence: 3, segment: 1, offset: 120))
        #expect(ledger.backlogRecords == 2)
        #expect(ledger.backlogBytes == 80)
        _ = ledger.drain(to: SpoolPosition(sequence: 5, segment: 1, offset: 200))
        #expect(ledger.backlog() == SpoolBacklog(records: 0, bytes: 0, oldestAppendedAt: nil, limitBytes: 1000, segments: 1))
    }

    @Test func theLimitRefusesWhatWouldNotFitCountingPendingAndReserve() {
        var ledger = ledger(limit: 1000)
        _ = ledger.recordWritten(records: 10, bytes: 900, atMs: 0)
        #expect(ledger.admits(bytes: 100, pendingBytes: 0))
        #expect(!ledger.admits(bytes: 101, pendingBytes: 0))
        #expect(!ledger.admits(bytes: 60, pendingBytes: 50))
        #expect(!ledger.admits(bytes: 0, pendingBytes: 0, reserveBytes: 101))
        _ = ledger.drain(to: SpoolPosition(sequence: 5, segment: 1, offset: 450))
        #expect(ledger.admits(bytes: 500, pendingBytes: 50))
    }

    @Test func fullSegmentsRotateAndAreTrimmedOnlyOnceDrainedPastTheirEnd() {
        var ledger = ledger(segmentTarget: 300)
        _ = ledger.recordWritten(records: 4, bytes: 320, atMs: 0)
        #expect(ledger.needsRotation)
        ledger.rotate()
        #expect(ledger.active.firstSequence == 5)
        #expect(!ledger.needsRotation)
        _ = ledger.recordWritten(records: 2, bytes: 160, atMs: 0)
        #expect(ledger.backlogBytes == 480)
        // Drained into the middle of the first segment: nothing to trim.
        #expect(ledger.drain(to: SpoolPosition(sequence: 2, segment: 1, offset: 160)).removable == [])
        // Drained to its very end: the cursor moves to the next segment and the first goes.
        let result = ledger.drain(to: SpoolPosition(sequence: 4, segment: 1, offset: 320))
        #expect(result.removable == [1])
        #expect(ledger.drained == SpoolPosition(sequence: 4, segment: 5, offset: 0))
        #expect(ledger.segments.map(\.firstSequence) == [5])
        // The active segment is never trimmed, even fully drained.
        #expect(ledger.drain(to: SpoolPosition(sequence: 6, segment: 5, offset: 160)).removable == [])
        #expect(ledger.backlogRecords == 0)
    }

    @Test func theAlarmRisesAtHighWaterOnceAndClearsBelowHalfOfIt() {
        var ledger = ledger(limit: 1000)
        for _ in 1...3 { #expect(ledger.recordWritten(records: 1, bytes: 200, atMs: 0) == nil) }
        guard case .raised(let backlog)? = ledger.recordWritten(records: 1, bytes: 200, atMs: 0) else {
            Issue.record("expected the alarm at 800 of 1000 bytes")
            return
        }
        #expect(backlog.bytes == 800)
        #expect(backlog.limitBytes == 1000)
        #expect(ledger.recordWritten(records: 1, bytes: 100, atMs: 0) == nil, "raised once, not on every append")
        #expect(ledger.drain(to: SpoolPosition(sequence: 2, segment: 1, offset: 400)).alarm == nil, "500 left: not below 400")
        guard case .cleared(let after)? = ledger.drain(to: SpoolPosition(sequence: 3, segment: 1, offset: 600)).alarm else {
            Issue.record("expected the alarm to clear at 300 of 1000 bytes")
            return
        }
        #expect(after.bytes == 300)
    }

    @Test func theOldestAgeFollowsTheDrainWithinOneSecond() {
        var ledger = ledger(limit: 1 << 20, segmentTarget: 1 << 20)
        _ = ledger.recordWritten(records: 10, bytes: 1000, atMs: 100_000)
        _ = ledger.recordWritten(records: 10, bytes: 1000, atMs: 100_400)  // same second: no new mark
        _ = ledger.recordWritten(records: 10, bytes: 1000, atMs: 101_500)
        _ = ledger.recordWritten(records: 10, bytes: 1000, atMs: 103_000)
        #expect(ledger.backlog().oldestAppendedAt == Date(timeIntervalSince1970: 100))
        _ = ledger.drain(to: SpoolPosition(sequence: 20, segment: 1, offset: 2000))
        #expect(ledger.backlog().oldestAppendedAt == Date(timeIntervalSince1970: 101.5))
        #expect(ledger.backlog().oldestAge(now: Date(timeIntervalSince1970: 104)) == 2.5)
        _ = ledger.drain(to: SpoolPosition(sequence: 40, segment: 1, offset: 4000))
        #expect(ledger.backlog().oldestAppendedAt == nil)
        _ = ledger.recordWritten(records: 1, bytes: 100, atMs: 200_000)
        #expect(ledger.backlog().oldestAppendedAt == Date(timeIntervalSince1970: 200))
    }
}

/// The group-commit state machine, without I/O.
@Suite struct SpoolGroupCommitTests {
    typealias Queue = GroupCommitQueue<Int>

    @Test func theFirstSubmitterStartsTheWriterAndLaterOnesShareItsNextBatch() {
        var queue = Queue()
        #expect(queue.submit(.init(payloads: [[1]], waiter: 1)) == .startWriter)
        #expect(queue.takeBatch(maxBytes: 1 << 20)?.map(\.waiter) == [1])
        // While batch 1 is being fsynced, 50 appenders arrive: none starts a writer.
        for waiter in 2...51 { #expect(queue.submit(.init(payloads: [[UInt8(waiter)]], waiter: waiter)) == .queued) }
        #expect(queue.takeBatch(maxBytes: 1 << 20)?.map(\.waiter) == Array(2...51), "one batch, in submission order")
        #expect(queue.takeBatch(maxBytes: 1 << 20) == nil)
        #expect(!queue.writerRunning)
        #expect(queue.batchesTaken == 2)
        #expect(queue.submit(.init(payloads: [[9]], waiter: 99)) == .startWriter, "an idle writer is restarted")
    }

    @Test func batchesRespectTheByteCapButAlwaysTakeOneSubmission() {
        var queue = Queue()
        let frame = SpoolFrame.size(payloadBytes: 100)
        _ = queue.submit(.init(payloads: [[UInt8](repeating: 0, count: 100)], waiter: 1))
        _ = queue.submit(.init(payloads: [[UInt8](repeating: 0, count: 100)], waiter: 2))
        _ = queue.submit(.init(payloads: [[UInt8](repeating: 0, count: 100)], waiter: 3))
        #expect(queue.pendingBytes == 3 * frame)
        #expect(queue.takeBatch(maxBytes: 2 * frame)?.map(\.waiter) == [1, 2])
        #expect(queue.takeBatch(maxBytes: 10)?.map(\.waiter) == [3], "larger than the cap, still taken")
        #expect(queue.pendingBytes == 0)
    }

    @Test func takeAllFailsEveryoneStillWaiting() {
        var queue = Queue()
        _ = queue.submit(.init(payloads: [[1]], waiter: 1))
        _ = queue.submit(.init(payloads: [[1]], waiter: 2))
        #expect(queue.takeAll().map(\.waiter) == [1, 2])
        #expect(queue.pendingSubmissions == 0)
        #expect(queue.pendingBytes == 0)
    }
}
