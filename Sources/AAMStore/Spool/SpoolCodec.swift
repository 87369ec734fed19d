import AAMCore
import Foundation

/// Evidence items as spool payloads: JSON, with dates as raw seconds so a replayed record is
/// bit-for-bit the record that was spooled.
public enum SpoolCodec {
    /// The payload of `item`, always within `SpoolFrame.maxPayloadBytes`: a call record too
    /// large for a frame (only possible if it escaped `CallRecord.bounded()`) is spooled bounded
    /// rather than lost; anything still too large throws `SpoolError(.tooLarge)`, never traps.
    public static func encode(_ item: EvidenceItem) throws -> [UInt8] {
        let payload = Array(try JSONEncoder().encode(item))
        if payload.count <= SpoolFrame.maxPayloadBytes { return payload }
        guard case .call(let record) = item else {
            try SpoolFrame.check(payloadBytes: payload.count)
            return payload
        }
        let bounded = Array(try JSONEncoder().encode(EvidenceItem.call(record.bounded())))
        try SpoolFrame.check(payloadBytes: bounded.count)
        return bounded
    }

    public static func decode(_ payload: some Sequence<UInt8>) throws -> EvidenceItem {
        try JSONDecoder().decode(EvidenceItem.self, from: Data(payload))
    }
}
