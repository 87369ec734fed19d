import Foundation

/// Appends the primitives of the spool's binary record format (`CallRecordSpoolFormat`):
/// LEB128 varints (zig-zag for signed values), length-prefixed UTF-8, IEEE doubles as their
/// bit pattern (little-endian) so a replayed value is bit-for-bit the spooled one.
///
/// Optional values carry their presence in the value itself where that is free (a string's
/// length + 1, 0 for nil) and in one flag byte otherwise.
struct SpoolByteWriter {
    private(set) var bytes: [UInt8]

    init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    mutating func byte(_ value: UInt8) { bytes.append(value) }

    mutating func unsigned(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    mutating func int(_ value: Int) {
        let wide = Int64(value)
        unsigned(UInt64(bitPattern: (wide << 1) ^ (wide >> 63)))
    }

    mutating func bool(_ value: Bool) { bytes.append(value ? 1 : 0) }

    mutating func double(_ value: Double) {
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func string(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            unsigned(UInt64(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    /// Length + 1, then the bytes; a lone 0 for nil.
    mutating func optionalString(_ value: String?) {
        guard var value else { return unsigned(0) }
        value.withUTF8 { utf8 in
            unsigned(UInt64(utf8.count) + 1)
            bytes.append(contentsOf: utf8)
        }
    }

    mutating func optionalInt(_ value: Int?) {
        bool(value != nil)
        if let value { int(value) }
    }

    mutating func optionalDouble(_ value: Double?) {
        bool(value != nil)
        if let value { double(value) }
    }
}

/// Reads what `SpoolByteWriter` wrote; every read checks the bounds and throws
/// `SpoolFormatError` rather than trapping (the bytes come from a file).
struct SpoolByteReader {
    private let base: UnsafeRawBufferPointer
    private(set) var offset = 0

    init(_ base: UnsafeRawBufferPointer) { self.base = base }

    var isAtEnd: Bool { offset == base.count }

    mutating func byte() throws(SpoolFormatError) -> UInt8 {
        guard offset < base.count else { throw SpoolFormatError("the record ends early (byte at \(offset))") }
        defer { offset += 1 }
        return base[offset]
    }

    mutating func unsigned() throws(SpoolFormatError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let next = try byte()
            guard shift < 64 else { throw SpoolFormatError("a number at \(offset) is longer than 64 bits") }
            value |= UInt64(next & 0x7F) << shift
            if next < 0x80 { return value }
            shift += 7
        }
    }

    mutating func int() throws(SpoolFormatError) -> Int {
        let raw = try unsigned()
        let value = Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
        guard let int = Int(exactly: value) else { throw SpoolFormatError("a number at \(offset) does not fit an Int") }
        return int
    }

    mutating func bool() throws(SpoolFormatError) -> Bool {
        switch try byte() {
        case 0: false
        case 1: true
        case let other: throw SpoolFormatError("\(other) at \(offset - 1) is not a flag")
        }
    }

    mutating func double() throws(SpoolFormatError) -> Double {
        guard base.count - offset >= 8 else { throw SpoolFormatError("the record ends inside a number at \(offset)") }
        var bits: UInt64 = 0
        withUnsafeMutableBytes(of: &bits) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: base[offset..<offset + 8])) }
        offset += 8
        return Double(bitPattern: UInt64(littleEndian: bits))
    }

    mutating func string() throws(SpoolFormatError) -> String {
        try text(count: try length())
    }

    mutating func optionalString() throws(SpoolFormatError) -> String? {
        let marker = try length()
        return marker == 0 ? nil : try text(count: marker - 1)
    }

    mutating func optionalInt() throws(SpoolFormatError) -> Int? {
        try bool() ? try int() : nil
    }

    mutating func optionalDouble() throws(SpoolFormatError) -> Double? {
        try bool() ? try double() : nil
    }

    /// A count, bounded by what is left (so damage cannot ask for gigabytes).
    mutating func count() throws(SpoolFormatError) -> Int {
        let value = try length()
        guard value <= base.count - offset else { throw SpoolFormatError("a count of \(value) at \(offset) exceeds the record") }
        return value
    }

    private mutating func length() throws(SpoolFormatError) -> Int {
        let value = try unsigned()
        guard value <= UInt64(SpoolFrame.maxPayloadBytes) + 1 else { throw SpoolFormatError("a length of \(value) at \(offset) is out of range") }
        return Int(value)
    }

    private mutating func text(count: Int) throws(SpoolFormatError) -> String {
        guard base.count - offset >= count else { throw SpoolFormatError("a text of \(count) bytes at \(offset) runs past the record") }
        defer { offset += count }
        return String(decoding: UnsafeRawBufferPointer(rebasing: base[offset..<offset + count]), as: UTF8.self)
    }
}

/// A spool payload that does not follow the binary format (damage the CRC missed, or a writer
/// bug): the drain quarantines it as unreadable.
struct SpoolFormatError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
