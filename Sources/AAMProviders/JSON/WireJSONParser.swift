import AAMCore

extension WireJSON {
    /// Parses one JSON document (RFC 8259) from UTF-8 bytes.
    ///
    /// - Parameter context: names the document in error messages (e.g. `"request body"`).
    /// - Throws: `TranslationError` with the byte offset of the problem; never traps, and nesting
    ///   deeper than ``WireJSONParser/maxDepth`` is rejected so hostile input cannot overflow the stack.
    ///   An object holding the same key twice (`JSONKeyRule`) is refused.
    public static func parse(_ bytes: some Collection<UInt8>, context: String = "body") throws(TranslationError) -> WireJSON {
        var parser = WireJSONParser(bytes: Array(bytes), context: context)
        return try parser.parseDocument()
    }

    /// Parses JSON text.
    public static func parse(_ text: String, context: String = "body") throws(TranslationError) -> WireJSON {
        try parse(Array(text.utf8), context: context)
    }
}

/// Recursive-descent JSON parser over a byte array.
struct WireJSONParser {
    /// Deepest nesting accepted; far beyond any real request, far below stack limits.
    static let maxDepth = 256

    private let bytes: [UInt8]
    private let context: String
    private var index = 0
    private var depth = 0

    init(bytes: [UInt8], context: String) {
        self.bytes = bytes
        self.context = context
    }

    mutating func parseDocument() throws(TranslationError) -> WireJSON {
        skipWhitespace()
        if index == bytes.count { throw failure("empty document") }
        let value = try parseValue()
        skipWhitespace()
        guard index == bytes.count else { throw failure("unexpected data after the JSON value") }
        return value
    }

    private func failure(_ what: String) -> TranslationError {
        TranslationError(message: "\(context): invalid JSON at byte \(index): \(what)", param: nil)
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    private mutating func parseValue() throws(TranslationError) -> WireJSON {
        guard index < bytes.count else { throw failure("unexpected end of input") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw failure("unexpected character")
        }
    }

    private mutating func expectLiteral(_ word: String) throws(TranslationError) {
        for expected in word.utf8 {
            guard index < bytes.count else { throw failure("unexpected end of input") }
            guard bytes[index] == expected else { throw failure("unexpected character") }
            index += 1
        }
    }

    private mutating func enter() throws(TranslationError) {
        depth += 1
        if depth > Self.maxDepth { throw failure("nesting deeper than \(Self.maxDepth) levels") }
    }

    private mutating func parseObject() throws(TranslationError) -> WireJSON {
        try enter()
        defer { depth -= 1 }
        index += 1  // {
        var object = WireJSONObject()
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object(object)
        }
        // The shared duplicate-key rule (JSONKeyRule): an ambiguous object is refused, never
        // resolved by picking one of its values.
        var keys = JSONKeySet()
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                throw failure("expected a string key")
            }
            let keyStart = index
            let key = try parseString()
            if let earlier = keys.insert(key) {
                index = keyStart
                throw failure(JSONKeyRule.message(duplicate: key, earlier: earlier))
            }
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw failure("expected ':'") }
            index += 1
            skipWhitespace()
            object.appendMember(key, try parseValue())
            skipWhitespace()
            guard index < bytes.count else { throw failure("unexpected end of input") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(object) }
            throw failure("expected ',' or '}'")
        }
    }

    private mutating func parseArray() throws(TranslationError) -> WireJSON {
        try enter()
        defer { depth -= 1 }
        index += 1  // [
        var elements: [WireJSON] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue())
            skipWhitespace()
            guard index < bytes.count else { throw failure("unexpected end of input") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(elements) }
            throw failure("expected ',' or ']'")
        }
    }

    private mutating func parseNumber() throws(TranslationError) -> WireJSON {
        let start = index
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else { throw failure("invalid number") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { throw failure("invalid number") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard index < bytes.count, isDigit(bytes[index]) else { throw failure("invalid number") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        return .number(String(decoding: bytes[start..<index], as: UTF8.self))
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private mutating func parseString() throws(TranslationError) -> String {
        index += 1  // opening quote
        let start = index
        // Fast path: no escapes, so the content is one slice of the input.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let text = String(decoding: bytes[start..<index], as: UTF8.self)
                index += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw failure("control character in string") }
            index += 1
        }
        var scratch = Array(bytes[start..<index])
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return String(decoding: scratch, as: UTF8.self)
            case UInt8(ascii: "\\"):
                index += 1
                try appendEscape(to: &scratch)
            case ..<0x20:
                throw failure("control character in string")
            default:
                scratch.append(byte)
                index += 1
            }
        }
        throw failure("unterminated string")
    }

    private mutating func appendEscape(to scratch: inout [UInt8]) throws(TranslationError) {
        guard index < bytes.count else { throw failure("unterminated string") }
        let escape = bytes[index]
        index += 1
        switch escape {
        case UInt8(ascii: "\""): scratch.append(0x22)
        case UInt8(ascii: "\\"): scratch.append(0x5C)
        case UInt8(ascii: "/"): scratch.append(0x2F)
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try readHex4()
            if (0xD800..<0xDC00).contains(scalar) {
                // A high surrogate must pair with a following \uDC00-\uDFFF escape.
                if index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") {
                    index += 2
                    let low = try readHex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw failure("invalid surrogate pair") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else {
                    throw failure("lone surrogate in string")
                }
            } else if (0xDC00..<0xE000).contains(scalar) {
                throw failure("lone surrogate in string")
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw failure("invalid unicode escape") }
            scratch.append(contentsOf: Array(String(Character(unicode)).utf8))
        default:
            throw failure("invalid escape")
        }
    }

    private mutating func readHex4() throws(TranslationError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw failure("invalid unicode escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw failure("invalid unicode escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }
}
