/// Measures the model output in a raw SSE event's JSON without parsing it: the byte length of
/// every string value whose key is one of `keys` (e.g. OpenAI `content`, Anthropic `text`).
///
/// It walks the JSON's string tokens in order, so a key is a string followed by `:` and text
/// inside a value (even `\"content\":\"…`) is never mistaken for a key. Lengths are of the
/// JSON text (escapes count as written, ill-formed UTF-8 as the U+FFFD it decodes to): this
/// feeds an estimate (`EarlyEndSettlement`), and the pass-through hot path must not build
/// strings or parse chunks.
struct StreamOutputMeter: Sendable {
    private let keys: [[UInt8]]

    init(keys: [String]) {
        self.keys = keys.map { Array($0.utf8) }
    }

    /// OpenAI chunk deltas: text, refusal, tool-call arguments, and reasoning where a compatible
    /// server streams it.
    static let openAI = StreamOutputMeter(keys: ["content", "refusal", "arguments", "reasoning_content"])
    /// Anthropic block starts and deltas: text, tool input JSON, thinking.
    static let anthropic = StreamOutputMeter(keys: ["text", "partial_json", "thinking"])

    func bytes(in payload: ArraySlice<UInt8>) -> Int {
        payload.withUnsafeBufferPointer { bytes(in: $0) }
    }

    func bytes(in text: String) -> Int {
        var text = text
        return text.withUTF8 { bytes(in: $0) }
    }

    /// `a + b`, saturating (an upstream cannot make the counter trap).
    static func adding(_ a: Int, _ b: Int) -> Int {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? .max : sum
    }

    private static let quote = UInt8(ascii: "\"")
    private static let backslash = UInt8(ascii: "\\")
    private static let colon = UInt8(ascii: ":")

    func bytes(in buffer: UnsafeBufferPointer<UInt8>) -> Int {
        var total = 0
        var index = 0
        while let open = Self.next(Self.quote, in: buffer, from: index) {
            guard let close = Self.stringEnd(in: buffer, openQuote: open) else { break }
            index = close + 1
            // A key: the string is followed (after blanks) by a colon.
            var after = Self.skipBlanks(buffer, from: close + 1)
            guard after < buffer.count, buffer[after] == Self.colon else { continue }
            after = Self.skipBlanks(buffer, from: after + 1)
            guard after < buffer.count, buffer[after] == Self.quote, isMetered(buffer, open + 1..<close) else { continue }
            // A metered key with a string value: count the value and continue after it.
            guard let valueEnd = Self.stringEnd(in: buffer, openQuote: after) else { break }
            total = Self.adding(total, Self.decodedLength(buffer, after + 1..<valueEnd))
            index = valueEnd + 1
        }
        return total
    }

    /// The UTF-8 length of `range` once ill-formed sequences are replaced by U+FFFD (3 bytes
    /// each, one per maximal ill-formed subpart, as `String(decoding:as:)` does).
    ///
    /// Why: the same event is metered on raw bytes (the fast pass-through) or on decoded text
    /// (the SSE parser's `String`), and which runs depends on where the network split the
    /// bytes. Counting what the text decodes to makes both give one figure. A `"` or `\` is
    /// never part of a multi-byte sequence, so decoding a value alone decodes it as in context.
    static func decodedLength(_ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int {
        let slice = UnsafeBufferPointer(rebasing: buffer[range])
        guard slice.contains(where: { $0 >= 0x80 }) else { return slice.count }
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = slice.makeIterator()
        var length = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded): length += encoded.count
            case .error: length += 3
            case .emptyInput: return length
            }
        }
    }

    private func isMetered(_ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        keys.contains { key in key.count == range.count && key.elementsEqual(buffer[range]) }
    }

    private static func next(_ byte: UInt8, in buffer: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard start < buffer.count else { return nil }
        return buffer[start...].firstIndex(of: byte)
    }

    /// The index of the quote closing the string opened at `openQuote` (one not escaped by an
    /// odd run of backslashes); nil when the buffer ends first.
    private static func stringEnd(in buffer: UnsafeBufferPointer<UInt8>, openQuote: Int) -> Int? {
        var index = openQuote + 1
        while let candidate = next(quote, in: buffer, from: index) {
            var backslashes = 0
            var before = candidate - 1
            while before > openQuote, buffer[before] == backslash {
                backslashes += 1
                before -= 1
            }
            if backslashes % 2 == 0 { return candidate }
            index = candidate + 1
        }
        return nil
    }

    private static func skipBlanks(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var index = start
        while index < buffer.count {
            switch buffer[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return index
            }
        }
        return index
    }
}
