import AAMCore
import Foundation

/// Evidence items as spool payloads: JSON, with dates as raw seconds so a replayed record is
/// bit-for-bit the record that was spooled.
public enum SpoolCodec {
    public static func encode(_ item: EvidenceItem) throws -> [UInt8] {
        Array(try JSONEncoder().encode(item))
    }

    public static func decode(_ payload: some Sequence<UInt8>) throws -> EvidenceItem {
        try JSONDecoder().decode(EvidenceItem.self, from: Data(payload))
    }
}
