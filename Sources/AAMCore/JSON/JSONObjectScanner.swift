/// Validates a JSON document in one pass and indexes the members of its top-level object by
/// byte range, without materializing any value.
///
/// Why: the data path must not pay for a full decode/encode round trip when the inbound and
/// upstream protocols match. The gateway needs only a few top-level fields (`model`, `stream`,
/// `max_tokens`, …) and the ability to splice a new `model` value into the original bytes.
/// The scanner also rejects what a full parser would (bad syntax, invalid UTF-8, control
/// characters in strings, nesting deeper than `maxDepth`, and the same key twice in one object
/// at any depth, see `JSONKeyRule`) so malformed or ambiguous input gets a 400 before it
/// reaches a vendor.
public struct JSONObjectScanner: Sendable {
    public enum Kind: Sendable, Equatable { case object, array, string, number, bool, null }

    /// One top-level member: the raw key (unescaped) and where its value lies in the input.
    public struct Member: Sendable, Equatable {
        public var key: String
        public var valueRange: Range<Int>
        public var kind: Kind
    }

    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public var offset: Int
        /// The key an object held twice, when that is the failure (the message names it too).
        public var duplicateKey: String?
        public var description: String { "\(message) at byte \(offset)" }
    }

    public let members: [Member]

    public static let maxDepth = 128

    /// Scans `bytes`, which must hold exactly one JSON object (surrounding whitespace allowed).
    public init(_ bytes: [UInt8]) throws(Failure) {
        var cursor = Cursor(bytes: bytes)
        cursor.skipWhitespace()
        guard cursor.peek() == UInt8(ascii: "{") else {
            throw Failure(message: "expected a JSON object", offset: cursor.position)
        }
        self.members = try cursor.topLevelObject()
        cursor.skipWhitespace()
        guard cursor.atEnd else {
            throw Failure(message: "unexpected data after the JSON object", offset: cursor.position)
        }
    }

    public func member(_ key: String) -> Member? {
        members.last { $0.key == key }
    }

    /// Validates `bytes` as exactly one JSON value of any type (surrounding whitespace allowed)
    /// under the same rules as the scanner, duplicate keys included: the shared strict check
    /// for surfaces that decode with another parser afterwards (JSON-RPC, admin bodies).
    public static func validate(_ bytes: [UInt8]) throws(Failure) {
        var cursor = Cursor(bytes: bytes)
        cursor.skipWhitespace()
        // Depth 0: like the scanner, the outermost container does not count toward `maxDepth`.
        _ = try cursor.value(depth: 0)
        cursor.skipWhitespace()
        guard cursor.atEnd else {
            throw Failure(message: "unexpected data after the JSON value", offset: cursor.position)
        }
    }
}

/// The byte-level recursive-descent validator behind `JSONObjectScanner`.
struct Cursor {
    let bytes: [UInt8]
    var position = 0
    /// Whether the last string scanned was plain ASCII without escapes (its bytes are its text).
    var lastStringPlain = true
    /// The keys of the objects being read, for the duplicate-key rule.
    var keys = ObjectKeyTracker()

    init(bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { position >= bytes.count }

    func peek() -> UInt8? { position < bytes.count ? bytes[position] : nil }

    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    func fail(_ message: String) -> JSONObjectScanner.Failure {
        JSONObjectScanner.Failure(message: message, offset: position)
    }

    mutating func expect(_ byte: UInt8, _ what: String) throws(JSONObjectScanner.Failure) {
        guard peek() == byte else { throw fail("expected \(what)") }
        position += 1
    }

    mutating func topLevelObject() throws(JSONObjectScanner.Failure) -> [JSONObjectScanner.Member] {
        try expect(UInt8(ascii: "{"), "'{'")
        var members: [JSONObjectScanner.Member] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "}") { position += 1; return members }
        keys.begin()
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else { throw fail("expected a member name") }
            let keyStart = position
            let key = try stringValue()
            try keys.add(literal: keyStart..<position, plain: lastStringPlain, in: bytes)
            skipWhitespace()
            try expect(UInt8(ascii: ":"), "':'")
            skipWhitespace()
            let start = position
            let kind = try value(depth: 1)
            members.append(.init(key: key, valueRange: start..<position, kind: kind))
            skipWhitespace()
            guard let next = peek() else { throw fail("unterminated object") }
            position += 1
            if next == UInt8(ascii: "}") { keys.end(); return members }
            guard next == UInt8(ascii: ",") else { position -= 1; throw fail("expected ',' or '}'") }
        }
    }

    mutating func value(depth: Int) throws(JSONObjectScanner.Failure) -> JSONObjectScanner.Kind {
        guard let byte = peek() else { throw fail("unexpected end of input") }
        switch byte {
        case UInt8(ascii: "{"):
            try container(close: UInt8(ascii: "}"), depth: depth, keyed: true)
            return .object
        case UInt8(ascii: "["):
            try container(close: UInt8(ascii: "]"), depth: depth, keyed: false)
            return .array
        case UInt8(ascii: "\""):
            try skipString()
            return .string
        case UInt8(ascii: "t"): try literal("true"); return .bool
        case UInt8(ascii: "f"): try literal("false"); return .bool
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            try number()
            return .number
        default:
            throw fail("unexpected character")
        }
    }

    mutating func container(close: UInt8, depth: Int, keyed: Bool) throws(JSONObjectScanner.Failure) {
        // Only containers count toward depth, so a scalar inside the deepest allowed container is fine.
        guard depth <= JSONObjectScanner.maxDepth else { throw fail("JSON nested too deeply") }
        position += 1
        skipWhitespace()
        if peek() == close { position += 1; return }
        if keyed { keys.begin() }
        while true {
            skipWhitespace()
            if keyed {
                guard peek() == UInt8(ascii: "\"") else { throw fail("expected a member name") }
                let keyStart = position
                try skipString()
                try keys.add(literal: keyStart..<position, plain: lastStringPlain, in: bytes)
                skipWhitespace()
                try expect(UInt8(ascii: ":"), "':'")
                skipWhitespace()
            }
            _ = try value(depth: depth + 1)
            skipWhitespace()
            guard let next = peek() else { throw fail("unterminated \(keyed ? "object" : "array")") }
            position += 1
            if next == close {
                if keyed { keys.end() }
                return
            }
            guard next == UInt8(ascii: ",") else {
                position -= 1
                throw fail(keyed ? "expected ',' or '}'" : "expected ',' or ']'")
            }
        }
    }

    mutating func literal(_ word: StaticString) throws(JSONObjectScanner.Failure) {
        let count = word.utf8CodeUnitCount
        guard position + count <= bytes.count else { throw fail("invalid literal") }
        let matches = word.withUTF8Buffer { buffer in
            for index in 0..<count where bytes[position + index] != buffer[index] { return false }
            return true
        }
        guard matches else { throw fail("invalid literal") }
        position += count
    }

    mutating func number() throws(JSONObjectScanner.Failure) {
        if peek() == UInt8(ascii: "-") { position += 1 }
        guard let first = peek(), first >= 0x30, first <= 0x39 else { throw fail("invalid number") }
        if first == 0x30 { position += 1 } else { skipDigits() }
        if peek() == UInt8(ascii: ".") {
            position += 1
            guard let digit = peek(), digit >= 0x30, digit <= 0x39 else { throw fail("invalid number") }
            skipDigits()
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            position += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { position += 1 }
            guard let digit = peek(), digit >= 0x30, digit <= 0x39 else { throw fail("invalid number") }
            skipDigits()
        }
    }

    mutating func skipDigits() {
        while let byte = peek(), byte >= 0x30, byte <= 0x39 { position += 1 }
    }

    /// Skips a string, validating escapes and UTF-8.
    mutating func skipString() throws(JSONObjectScanner.Failure) {
        _ = try scanString(collect: false)
    }

    /// Reads a string and returns its unescaped value.
    mutating func stringValue() throws(JSONObjectScanner.Failure) -> String {
        let scalars = try scanString(collect: true)
        var result = String()
        result.unicodeScalars.append(contentsOf: scalars)
        return result
    }

    mutating func scanString(collect: Bool) throws(JSONObjectScanner.Failure) -> [Unicode.Scalar] {
        position += 1  // opening quote
        var collected: [Unicode.Scalar] = []
        lastStringPlain = true
        while true {
            guard let byte = peek() else { throw fail("unterminated string") }
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                return collected
            case UInt8(ascii: "\\"):
                lastStringPlain = false
                position += 1
                let scalar = try escape()
                if collect { collected.append(scalar) }
            case 0x00..<0x20:
                throw fail("control character in string")
            case 0x00..<0x80:
                position += 1
                if collect { collected.append(Unicode.Scalar(byte)) }
            default:
                lastStringPlain = false
                let scalar = try utf8Scalar()
                if collect { collected.append(scalar) }
            }
        }
    }

    mutating func escape() throws(JSONObjectScanner.Failure) -> Unicode.Scalar {
        guard let byte = peek() else { throw fail("unterminated escape") }
        position += 1
        switch byte {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let high = try hex4()
            if (0xD800..<0xDC00).contains(high) {
                guard peek() == UInt8(ascii: "\\") else { return "\u{FFFD}" }
                let save = position
                position += 1
                guard peek() == UInt8(ascii: "u") else { position = save; return "\u{FFFD}" }
                position += 1
                let low = try hex4()
                // Not a low surrogate: the high one stands alone; rescan the next escape on its own.
                guard (0xDC00..<0xE000).contains(low) else { position = save; return "\u{FFFD}" }
                let value = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                return Unicode.Scalar(value) ?? "\u{FFFD}"
            }
            return Unicode.Scalar(high) ?? "\u{FFFD}"
        default:
            position -= 1
            throw fail("invalid escape")
        }
    }

    mutating func hex4() throws(JSONObjectScanner.Failure) -> UInt32 {
        guard position + 4 <= bytes.count else { throw fail("invalid unicode escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt32
            switch byte {
            case 0x30...0x39: digit = UInt32(byte - 0x30)
            case 0x41...0x46: digit = UInt32(byte - 0x41 + 10)
            case 0x61...0x66: digit = UInt32(byte - 0x61 + 10)
            default: throw fail("invalid unicode escape")
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }

    /// Decodes one multi-byte UTF-8 sequence, rejecting overlong forms and surrogates.
    mutating func utf8Scalar() throws(JSONObjectScanner.Failure) -> Unicode.Scalar {
        let lead = bytes[position]
        let length: Int
        var value: UInt32
        switch lead {
        case 0xC2...0xDF: length = 2; value = UInt32(lead & 0x1F)
        case 0xE0...0xEF: length = 3; value = UInt32(lead & 0x0F)
        case 0xF0...0xF4: length = 4; value = UInt32(lead & 0x07)
        default: throw fail("invalid UTF-8")
        }
        guard position + length <= bytes.count else { throw fail("invalid UTF-8") }
        for index in 1..<length {
            let next = bytes[position + index]
            guard next & 0xC0 == 0x80 else { throw fail("invalid UTF-8") }
            value = value << 6 | UInt32(next & 0x3F)
        }
        let minimum: UInt32 = length == 2 ? 0x80 : (length == 3 ? 0x800 : 0x10000)
        guard value >= minimum, let scalar = Unicode.Scalar(value) else { throw fail("invalid UTF-8") }
        position += length
        return scalar
    }
}
