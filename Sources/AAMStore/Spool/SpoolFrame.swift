import Foundation

/// The on-disk framing of one spool record.
///
/// ```
/// offset  0  UInt32 LE  payload length (1...maxPayloadBytes)
/// offset  4  UInt32 LE  CRC-32 of bytes 8..<24 and the payload
/// offset  8  UInt64 LE  sequence number (1-based, gap-free across segments)
/// offset 16  Int64  LE  append time, milliseconds since 1970
/// offset 24  payload    one `EvidenceItem` (`SpoolCodec`: binary call records, JSON audit entries)
/// ```
///
/// A crash can leave the last frame of the last segment half-written (or zero-filled by the file
/// system). The length bound, the checksum and the expected sequence number make such a tail
/// decode as `.incomplete` or `.corrupt`, never as a record.
public enum SpoolFrame {
    public static let headerBytes = 24
    /// Larger lengths are garbage (a call record is a few KB).
    public static let maxPayloadBytes = 16 * 1024 * 1024

    /// One decoded frame: its header fields and where its payload lies in the scanned buffer.
    public struct Decoded: Sendable, Hashable {
        public var sequence: UInt64
        public var appendedAtMs: Int64
        public var payload: Range<Int>
        /// Offset just past this frame.
        public var end: Int
    }

    public enum DecodeResult: Sendable, Hashable {
        case frame(Decoded)
        /// The buffer ends inside this frame (a torn tail, or the caller must read more).
        case incomplete
        /// The bytes at this offset are not a valid frame.
        case corrupt(reason: String)
    }

    /// Appends the frame of `payload` to `buffer`; throws `.tooLarge` (appending nothing) for an
    /// empty payload or one over `maxPayloadBytes`, which no reader would accept.
    public static func append(sequence: UInt64, appendedAtMs: Int64, payload: [UInt8], to buffer: inout [UInt8]) throws(SpoolError) {
        try check(payloadBytes: payload.count)
        var fields = [UInt8]()
        fields.reserveCapacity(16)
        appendLE(sequence, to: &fields)
        appendLE(UInt64(bitPattern: appendedAtMs), to: &fields)
        let crc = CRC32.update(CRC32.checksum(fields), payload)
        appendLE(UInt32(payload.count), to: &buffer)
        appendLE(crc, to: &buffer)
        buffer.append(contentsOf: fields)
        buffer.append(contentsOf: payload)
    }

    /// Throws `.tooLarge` unless a payload of this size can be framed (`1...maxPayloadBytes`).
    public static func check(payloadBytes: Int) throws(SpoolError) {
        guard payloadBytes > 0, payloadBytes <= maxPayloadBytes else {
            throw SpoolError(.tooLarge, "a spool record of \(payloadBytes) bytes is outside 1...\(maxPayloadBytes)")
        }
    }

    /// The size on disk of a frame around a payload of `payloadBytes`.
    public static func size(payloadBytes: Int) -> Int { headerBytes + payloadBytes }

    /// Decodes the frame starting at `offset` in `bytes`. `expectedSequence`, when given, must
    /// match (a frame from an older, recycled file region is not the record that belongs here).
    public static func decode(_ bytes: UnsafeRawBufferPointer, at offset: Int, expectedSequence: UInt64? = nil) -> DecodeResult {
        guard bytes.count - offset >= headerBytes else { return .incomplete }
        let length = Int(readLE(UInt32.self, bytes, offset))
        guard length > 0, length <= maxPayloadBytes else { return .corrupt(reason: "length \(length) out of range") }
        guard bytes.count - offset - headerBytes >= length else { return .incomplete }
        let stored = readLE(UInt32.self, bytes, offset + 4)
        let fields = UnsafeRawBufferPointer(rebasing: bytes[(offset + 8)..<(offset + headerBytes)])
        let payload = UnsafeRawBufferPointer(rebasing: bytes[(offset + headerBytes)..<(offset + headerBytes + length)])
        guard CRC32.update(CRC32.checksum(fields), payload) == stored else { return .corrupt(reason: "checksum mismatch") }
        let sequence = readLE(UInt64.self, bytes, offset + 8)
        if let expectedSequence, sequence != expectedSequence {
            return .corrupt(reason: "sequence \(sequence), expected \(expectedSequence)")
        }
        let appendedAt = Int64(bitPattern: readLE(UInt64.self, bytes, offset + 16))
        let start = offset + headerBytes
        return .frame(Decoded(sequence: sequence, appendedAtMs: appendedAt, payload: start..<(start + length), end: start + length))
    }

    /// Convenience over an array.
    public static func decode(_ bytes: [UInt8], at offset: Int, expectedSequence: UInt64? = nil) -> DecodeResult {
        bytes.withUnsafeBytes { decode($0, at: offset, expectedSequence: expectedSequence) }
    }

    static func appendLE<T: FixedWidthInteger>(_ value: T, to buffer: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { buffer.append(contentsOf: $0) }
    }

    static func readLE<T: FixedWidthInteger>(_ type: T.Type, _ bytes: UnsafeRawBufferPointer, _ offset: Int) -> T {
        var value = T.zero
        withUnsafeMutableBytes(of: &value) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + MemoryLayout<T>.size)])) }
        return T(littleEndian: value)
    }
}

/// The valid frames at the start of a buffer, and where validity ends.
public struct SpoolScan: Sendable, Hashable {
    public var frames: [SpoolFrame.Decoded] = []
    /// Offset just past the last valid frame: everything after it is a torn or corrupt tail.
    public var validEnd: Int
    /// Why scanning stopped before the end of the buffer (nil when every byte was a frame).
    public var stopReason: String?

    /// Scans frames from `offset`, expecting sequences from `firstSequence` (when known) on.
    public static func scan(_ bytes: [UInt8], from offset: Int = 0, firstSequence: UInt64? = nil, maxFrames: Int = .max) -> SpoolScan {
        var result = SpoolScan(validEnd: offset)
        var expected = firstSequence
        bytes.withUnsafeBytes { raw in
            while result.validEnd < raw.count, result.frames.count < maxFrames {
                switch SpoolFrame.decode(raw, at: result.validEnd, expectedSequence: expected) {
                case .frame(let frame):
                    result.frames.append(frame)
                    result.validEnd = frame.end
                    expected = frame.sequence + 1
                case .incomplete:
                    result.stopReason = "torn frame at offset \(result.validEnd)"
                    return
                case .corrupt(let reason):
                    result.stopReason = "corrupt frame at offset \(result.validEnd): \(reason)"
                    return
                }
            }
        }
        return result
    }
}
