import AAMCore
import Foundation
import Testing

@testable import AAMStore

/// Issue 13 item 3: a call record too large for a spool frame once killed the daemon through a
/// `precondition` in the writer. Now the frame layer reports the error, and the codec spools
/// such a record bounded instead of losing it; the spool carries on.
@Suite struct SpoolOversizeTests {
    /// The record of the attack: an alias longer than a frame (in the JSON format of old, an
    /// 8 MiB alias of `/` was enough: JSONEncoder writes it as `\/`).
    static func hostileRecord() -> CallRecord {
        var record = spoolTestRecord(1)
        record.alias = String(repeating: "/", count: SpoolFrame.maxPayloadBytes + 1)
        record.status = 404
        return record
    }

    @Test func framingAnOversizeOrEmptyPayloadThrowsAndAppendsNothing() {
        var buffer: [UInt8] = []
        #expect(throws: SpoolError(.tooLarge, "a spool record of \(SpoolFrame.maxPayloadBytes + 1) bytes is outside 1...\(SpoolFrame.maxPayloadBytes)")) {
            try SpoolFrame.append(sequence: 1, appendedAtMs: 0, payload: [UInt8](repeating: 0x7B, count: SpoolFrame.maxPayloadBytes + 1), to: &buffer)
        }
        #expect(throws: SpoolError.self) { try SpoolFrame.append(sequence: 1, appendedAtMs: 0, payload: [], to: &buffer) }
        #expect(buffer.isEmpty)
    }

    @Test func theCodecSpoolsAnOversizeCallRecordBounded() throws {
        let record = Self.hostileRecord()
        #expect(SpoolCodec.encode(record).count > SpoolFrame.maxPayloadBytes)
        let payload = try SpoolCodec.encode(.call(record))
        #expect(payload.count <= SpoolFrame.maxPayloadBytes)
        guard case .call(let decoded) = try SpoolCodec.decode(payload) else {
            Issue.record("not a call record")
            return
        }
        #expect(decoded == record.bounded())
        #expect(decoded.requestId == record.requestId && decoded.status == 404, "the evidence of the call is kept")
    }

    @Test func theSpoolKeepsTheRecordAndCarriesOn() async throws {
        let directory = SpoolTestDirectory()
        defer { directory.remove() }
        let spool = try EvidenceSpool(directory: directory.path)
        try await spool.appendDurably([.call(Self.hostileRecord())])
        try await spool.appendDurably([.call(spoolTestRecord(2))])
        #expect(spool.acceptsNewCalls)
        let items = try await SpoolTestDirectory.drainAll(spool)
        #expect(items.count == 2)
        #expect(items.last == .call(spoolTestRecord(2)))
        await spool.close()
    }

    @Test func aLedgerGivenNoSegmentStartsOneInsteadOfTrapping() {
        let ledger = SpoolLedger(
            segments: [], drained: SpoolPosition(sequence: 41, segment: 30, offset: 0), limitBytes: 1 << 20, highWaterBytes: 1 << 19,
            segmentTargetBytes: 1 << 16)
        #expect(ledger.active.firstSequence == 42)
        #expect(ledger.backlogRecords == 0)
        var queue = GroupCommitQueue<Int>()
        #expect(queue.takeBatch(maxBytes: 1 << 20) == nil, "no writer is running: nothing to take, no trap")
    }
}
