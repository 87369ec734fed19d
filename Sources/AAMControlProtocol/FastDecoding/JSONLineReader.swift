import Foundation

/// A forward-only reader over one JSON text, for the few message shapes the console receives
/// thousands of times a second (see `CallEventLine`).
///
/// Foundation's `JSONDecoder` spends about 45 µs on one 440-byte call event (a tree of
/// `NSObject`s, a `Codable` container per member): at 2,000 events/s that alone is 9 % of a core.
/// This reader makes no tree: the caller walks the members it expects and reads each value in
/// place. It is strict on purpose: anything it is unsure of (a number form, an escape, a date
/// with an offset) throws `Unsupported`, and the caller then decodes the line with
/// `JSONDecoder` as before. So the fast path either gives the same value as `JSONDecoder` or
/// steps aside; it never gives a different one.
struct JSONLineReader {
    /// The reader does not handle this input; decode it the general way.
    struct Unsupported: Error {}

    /// Deepest nesting `skipValue` follows: the shapes read here are three levels deep.
    static let maxSkipDepth = 32

    private let bytes: [UInt8]
    private var index = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// True when only whitespace is left (a whole line was one value).
    mutating func isAtEnd() -> Bool {
        skipWhitespace()
        return index == bytes.count
    }

    // MARK: Structure

    /// Calls `member` with each key of the object that starts here; `member` must read or skip
    /// the value.
    mutating func readObject(_ member: (inout JSONLineReader, String) throws -> Void) throws {
        try expect(UInt8(ascii: "{"))
        if consume(UInt8(ascii: "}")) { return }
        repeat {
            skipWhitespace()
            let key = try readString()
            try expect(UInt8(ascii: ":"))
            try member(&self, key)
        } while consume(UInt8(ascii: ","))
        try expect(UInt8(ascii: "}"))
    }

    /// Reads an array of strings.
    mutating func readStrings() throws -> [String] {
        try expect(UInt8(ascii: "["))
        var strings: [String] = []
        if consume(UInt8(ascii: "]")) { return strings }
        repeat {
            strings.append(try readString())
        } while consume(UInt8(ascii: ","))
        try expect(UInt8(ascii: "]"))
        return strings
    }

    /// Consumes a `null` if one is next (an optional member that is absent on the wire).
    mutating func consumeNull() -> Bool {
        skipWhitespace()
        guard bytes.count - index >= 4, bytes[index] == UInt8(ascii: "n"), bytes[index + 1] == UInt8(ascii: "u"),
            bytes[index + 2] == UInt8(ascii: "l"), bytes[index + 3] == UInt8(ascii: "l")
        else { return false }
        index += 4
        return true
    }

    /// Skips one value of any kind (a member this version does not know).
    mutating func skipValue(depth: Int = 0) throws {
        guard depth < Self.maxSkipDepth else { throw Unsupported() }
        skipWhitespace()
        guard index < bytes.count else { throw Unsupported() }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            try readObject { reader, _ in try reader.skipValue(depth: depth + 1) }
        case UInt8(ascii: "["):
            index += 1
            if consume(UInt8(ascii: "]")) { return }
            repeat { try skipValue(depth: depth + 1) } while consume(UInt8(ascii: ","))
            try expect(UInt8(ascii: "]"))
        case UInt8(ascii: "\""): _ = try readString()
        case UInt8(ascii: "t"), UInt8(ascii: "f"): _ = try readBool()
        case UInt8(ascii: "n"): guard consumeNull() else { throw Unsupported() }
        default: _ = try numberText()
        }
    }

    // MARK: Scalars

    mutating func readBool() throws -> Bool {
        skipWhitespace()
        if matches("true") { return true }
        if matches("false") { return false }
        throw Unsupported()
    }

    /// An integer written without fraction or exponent that fits comfortably in an `Int`.
    mutating func readInt() throws -> Int {
        let text = try numberText()
        // At most 18 digits (and a sign) cannot overflow; longer ones are JSONDecoder's to judge.
        guard text.count - (text.first == UInt8(ascii: "-") ? 1 : 0) <= 18 else { throw Unsupported() }
        var value = 0
        var negative = false
        for byte in text {
            switch byte {
            case UInt8(ascii: "-"): negative = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = value * 10 + Int(byte - UInt8(ascii: "0"))
            default: throw Unsupported()  // a fraction or exponent: JSONDecoder decides
            }
        }
        return negative ? -value : value
    }

    /// A number as `Double` (`Double(String)` rounds correctly, as `JSONDecoder` does).
    mutating func readDouble() throws -> Double {
        let text = try numberText()
        guard let value = Double(String(decoding: text, as: UTF8.self)), value.isFinite else { throw Unsupported() }
        return value
    }

    /// A string; escapes are decoded, invalid UTF-8 and raw control characters are refused.
    mutating func readString() throws -> String {
        try expect(UInt8(ascii: "\""))
        let start = index
        var ascii = true
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                // ASCII needs no validation (and `String(validating:)` is generic, unspecialized, slow).
                let text = ascii ? String(decoding: bytes[start..<index], as: UTF8.self) : String(validating: bytes[start..<index], as: UTF8.self)
                index += 1
                guard let text else { throw Unsupported() }
                return text
            }
            ascii = ascii && byte < 0x80
            if byte == UInt8(ascii: "\\") { return try readEscapedString(from: start) }
            guard byte >= 0x20 else { throw Unsupported() }
            index += 1
        }
        throw Unsupported()
    }

    /// The bytes of a string without escapes (a date, an identifier), not yet validated as UTF-8.
    mutating func readPlainStringBytes() throws -> ArraySlice<UInt8> {
        try expect(UInt8(ascii: "\""))
        let start = index
        while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
            guard bytes[index] != UInt8(ascii: "\\"), bytes[index] >= 0x20 else { throw Unsupported() }
            index += 1
        }
        guard index < bytes.count else { throw Unsupported() }
        index += 1
        return bytes[start..<index - 1]
    }

    // MARK: Internals

    /// The rest of a string that holds an escape, from its first byte at `start`.
    private mutating func readEscapedString(from start: Int) throws -> String {
        var decoded = Array(bytes[start..<index])
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                guard let text = String(validating: decoded, as: UTF8.self) else { throw Unsupported() }
                return text
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { throw Unsupported() }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(escape)
                case UInt8(ascii: "b"): decoded.append(0x08)
                case UInt8(ascii: "f"): decoded.append(0x0C)
                case UInt8(ascii: "n"): decoded.append(0x0A)
                case UInt8(ascii: "r"): decoded.append(0x0D)
                case UInt8(ascii: "t"): decoded.append(0x09)
                case UInt8(ascii: "u"): try appendUnicodeEscape(to: &decoded)
                default: throw Unsupported()
                }
            default:
                guard byte >= 0x20 else { throw Unsupported() }
                decoded.append(byte)
            }
        }
        throw Unsupported()
    }

    /// `\uXXXX` (the `\u` already read), joining a surrogate pair; a lone surrogate is refused.
    private mutating func appendUnicodeEscape(to decoded: inout [UInt8]) throws {
        var scalar = try hexQuad()
        if (0xD800...0xDBFF).contains(scalar) {
            guard matches("\\u") else { throw Unsupported() }
            let low = try hexQuad()
            guard (0xDC00...0xDFFF).contains(low) else { throw Unsupported() }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00...0xDFFF).contains(scalar) {
            throw Unsupported()
        }
        guard let unicode = Unicode.Scalar(scalar), let encoded = UTF8.encode(unicode) else { throw Unsupported() }
        decoded.append(contentsOf: encoded)
    }

    private mutating func hexQuad() throws -> UInt32 {
        guard bytes.count - index >= 4 else { throw Unsupported() }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            index += 1
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw Unsupported()
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    /// The bytes of one number, checked against JSON's grammar
    /// (`-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`).
    private mutating func numberText() throws -> ArraySlice<UInt8> {
        skipWhitespace()
        let start = index
        _ = consumeRaw(UInt8(ascii: "-"))
        if consumeRaw(UInt8(ascii: "0")) {
            // A leading zero stands alone.
        } else {
            guard digitRun() > 0 else { throw Unsupported() }
        }
        if consumeRaw(UInt8(ascii: ".")) {
            guard digitRun() > 0 else { throw Unsupported() }
        }
        if consumeRaw(UInt8(ascii: "e")) || consumeRaw(UInt8(ascii: "E")) {
            if !consumeRaw(UInt8(ascii: "+")) { _ = consumeRaw(UInt8(ascii: "-")) }
            guard digitRun() > 0 else { throw Unsupported() }
        }
        return bytes[start..<index]
    }

    private mutating func digitRun() -> Int {
        let start = index
        while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
        return index - start
    }

    /// Consumes `text` if it is next (no whitespace skipped).
    private mutating func matches(_ text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard bytes.count - index >= count else { return false }
        let equal = text.withUTF8Buffer { literal in
            literal.indices.allSatisfy { bytes[index + $0] == literal[$0] }
        }
        if equal { index += count }
        return equal
    }

    private mutating func consumeRaw(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    /// Consumes `byte` after optional whitespace if it is next.
    private mutating func consume(_ byte: UInt8) -> Bool {
        skipWhitespace()
        return consumeRaw(byte)
    }

    private mutating func expect(_ byte: UInt8) throws {
        guard consume(byte) else { throw Unsupported() }
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }
}

extension JSONLineReader {
    /// A date as the control socket writes it (see `InternetDateWholeSeconds`).
    mutating func readDate() throws -> Date {
        guard let date = InternetDateWholeSeconds.date(fromUTF8: try readPlainStringBytes()) else { throw Unsupported() }
        return date
    }
}
