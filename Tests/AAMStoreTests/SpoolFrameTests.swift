import AAMCore
import Foundation
import Testing

@testable import AAMStore

/// The spool's framing, without I/O: round trips, and every way a crash or damage can spoil a tail.
@Suite struct SpoolFrameTests {
    func frames(_ payloads: [String], from first: UInt64 = 1) throws -> [UInt8] {
        var buffer: [UInt8] = []
        for (index, payload) in payloads.enumerated() {
            try SpoolFrame.append(sequence: first + UInt64(index), appendedAtMs: 1_700_000_000_000 + Int64(index), payload: Array(payload.utf8), to: &buffer)
        }
        return buffer
    }

    @Test func crc32MatchesTheStandardCheckValue() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.update(CRC32.checksum(Array("1234".utf8)), Array("56789".utf8)) == 0xCBF4_3926)
    }

    @Test func framesRoundTripWithTheirSequenceTimeAndPayload() throws {
        let bytes = try frames(["{\"a\":1}", "{\"b\":22}", "x"], from: 41)
        let scan = SpoolScan.scan(bytes, firstSequence: 41)
        #expect(scan.stopReason == nil)
        #expect(scan.validEnd == bytes.count)
        #expect(scan.frames.map(\.sequence) == [41, 42, 43])
        #expect(scan.frames.map(\.appendedAtMs) == [1_700_000_000_000, 1_700_000_000_001, 1_700_000_000_002])
        #expect(scan.frames.map { String(decoding: bytes[$0.payload], as: UTF8.self) } == ["{\"a\":1}", "{\"b\":22}", "x"])
    }

    @Test func everyTruncationOfTheLastFrameIsATornTailNeverARecord() throws {
        let whole = try frames(["first record", "second record, torn by a crash"])
        let firstEnd = SpoolFrame.size(payloadBytes: "first record".utf8.count)
        for cut in firstEnd..<whole.count {
            let scan = SpoolScan.scan(Array(whole.prefix(cut)), firstSequence: 1)
            #expect(scan.frames.count == 1, "cut at \(cut)")
            #expect(scan.validEnd == firstEnd)
            #expect(cut == firstEnd ? scan.stopReason == nil : scan.stopReason?.hasPrefix("torn frame") == true)
        }
    }

    @Test func aFlippedBitAnywhereInTheLastFrameIsDetected() throws {
        let whole = try frames(["kept", "damaged payload"])
        let firstEnd = SpoolFrame.size(payloadBytes: 4)
        for position in firstEnd..<whole.count {
            var damaged = whole
            damaged[position] ^= 0x10
            let scan = SpoolScan.scan(damaged, firstSequence: 1)
            #expect(scan.frames.count == 1, "bit flipped at \(position)")
            #expect(scan.validEnd == firstEnd)
            #expect(scan.stopReason != nil)
        }
    }

    @Test func aZeroFilledTailAndAnOutOfSequenceFrameAreNotRecords() throws {
        let good = try frames(["one"])
        let zeroed = SpoolScan.scan(good + [UInt8](repeating: 0, count: 4096), firstSequence: 1)
        #expect(zeroed.frames.count == 1)
        #expect(zeroed.stopReason?.contains("length 0 out of range") == true)
        // A whole, valid frame with the wrong sequence (a stale region) is refused too.
        let stale = SpoolScan.scan(good + (try frames(["old"], from: 7)), firstSequence: 1)
        #expect(stale.frames.count == 1)
        #expect(stale.stopReason?.contains("sequence 7, expected 2") == true)
    }

    @Test func scanningStopsAtMaxFramesAndResumesFromValidEnd() throws {
        let bytes = try frames(["a", "b", "c", "d", "e"])
        let head = SpoolScan.scan(bytes, firstSequence: 1, maxFrames: 2)
        #expect(head.frames.map(\.sequence) == [1, 2])
        let rest = SpoolScan.scan(bytes, from: head.validEnd, firstSequence: 3)
        #expect(rest.frames.map(\.sequence) == [3, 4, 5])
        #expect(rest.validEnd == bytes.count)
    }

    @Test func evidenceItemsRoundTripThroughTheCodecExactly() throws {
        let call = EvidenceItem.call(spoolTestRecord(3))
        let audit = EvidenceItem.audit(AdminAuditEntry(
            sequence: 9, at: Date(timeIntervalSince1970: 1_800_000_000.123), actor: "admin:tok_1", channel: "api", action: "key.rotate",
            target: "key:k_1", before: "{\"a\":1}", after: nil, previousHash: String(repeating: "0", count: 64), hash: String(repeating: "a", count: 64)))
        #expect(try SpoolCodec.decode(try SpoolCodec.encode(call)) == call)
        #expect(try SpoolCodec.decode(try SpoolCodec.encode(audit)) == audit)
    }
}
