import AAMCore
import Foundation

/// Evidence items as spool payloads. The first byte says the format:
///
/// - `0x01`: a call record in the binary format of `CallRecordSpoolFormat` (every call writes
///   one, so it must be cheap both ways);
/// - `{`: an `EvidenceItem` as JSON, dates as raw seconds: audit entries (a few per admin
///   change, not worth a format of their own), and every record a spool written before the
///   binary format holds, which is still read after an upgrade.
public enum SpoolCodec {
    static let binaryCallRecord: UInt8 = 0x01
    static let json = UInt8(ascii: "{")

    /// The payload of `item`, always within `SpoolFrame.maxPayloadBytes`: a call record too
    /// large for a frame (only possible if it escaped `CallRecord.bounded()`) is spooled bounded
    /// rather than lost; anything still too large throws `SpoolError(.tooLarge)`, never traps.
    public static func encode(_ item: EvidenceItem) throws -> [UInt8] {
        switch item {
        case .call(let record):
            let payload = encode(record)
            if payload.count <= SpoolFrame.maxPayloadBytes { return payload }
            let bounded = encode(record.bounded())
            try SpoolFrame.check(payloadBytes: bounded.count)
            return bounded
        case .audit:
            let payload = Array(try JSONEncoder().encode(item))
            try SpoolFrame.check(payloadBytes: payload.count)
            return payload
        }
    }

    public static func decode(_ payload: some Collection<UInt8>) throws -> EvidenceItem {
        guard let format = payload.first else { throw SpoolFormatError("an empty record") }
        switch format {
        case binaryCallRecord:
            let decoded =
                payload.withContiguousStorageIfAvailable { decodeCall(UnsafeRawBufferPointer($0)) }
                ?? Array(payload).withUnsafeBytes { decodeCall($0) }
            return .call(try decoded.get())
        case json:
            return try JSONDecoder().decode(EvidenceItem.self, from: Data(payload))
        default:
            throw SpoolFormatError("unknown record format \(format)")
        }
    }

    static func encode(_ record: CallRecord) -> [UInt8] {
        var out = SpoolByteWriter()
        out.byte(binaryCallRecord)
        CallRecordSpoolFormat.write(record, to: &out)
        return out.bytes
    }

    private static func decodeCall(_ buffer: UnsafeRawBufferPointer) -> Result<CallRecord, SpoolFormatError> {
        Result { () throws(SpoolFormatError) -> CallRecord in
            var input = SpoolByteReader(buffer)
            _ = try input.byte()
            let record = try CallRecordSpoolFormat.read(from: &input)
            guard input.isAtEnd else { throw SpoolFormatError("\(buffer.count - input.offset) bytes after the call record") }
            return record
        }
    }
}
