/// Deterministic mutations of a seed input: the property-test half of the harness, which runs
/// in the normal test suite without libFuzzer (fixed seeds, so a failure replays exactly).
public struct SeededMutator {
    private var generator: Chunking.Generator

    /// Tokens the parsers branch on, spliced in whole so mutations reach past the first byte.
    static let tokens: [[UInt8]] = [
        "\"", "\\", "\\u", "\\ud800", "\\udc00", "{", "}", "[", "]", ",", ":", "null", "true", "-0.5e+3",
        "\r", "\n", "\r\n", "\n\n", "data: ", "event: ", ": ping", "[DONE]", "\u{FEFF}", "\u{00e9}",
        "\"model\":", "\"method\":", "\"name\":", "\"usage\":{\"input_tokens\":9223372036854775807}",
    ].map { Array($0.utf8) } + [[0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0x00]]

    public init(seed: UInt64) { generator = Chunking.Generator(seed: seed) }

    private mutating func below(_ bound: Int) -> Int { bound <= 0 ? 0 : Int(generator.next() % UInt64(bound)) }

    /// One to four random edits of `input`.
    public mutating func mutate(_ input: [UInt8]) -> [UInt8] {
        var bytes = input
        for _ in 0...below(4) {
            let position = below(bytes.count + 1)
            switch below(6) {
            case 0 where !bytes.isEmpty:  // delete a run
                let end = min(bytes.count, position + 1 + below(8))
                if position < end { bytes.removeSubrange(position..<end) }
            case 1 where position < bytes.count:  // flip a bit
                bytes[position] ^= UInt8(1 << below(8))
            case 2:  // insert a token
                bytes.insert(contentsOf: Self.tokens[below(Self.tokens.count)], at: position)
            case 3 where !bytes.isEmpty:  // duplicate a slice elsewhere
                let start = below(bytes.count)
                let end = min(bytes.count, start + 1 + below(32))
                bytes.insert(contentsOf: bytes[start..<end], at: position)
            case 4:  // truncate
                bytes.removeSubrange(position...)
            default:  // a random byte
                bytes.insert(UInt8(truncatingIfNeeded: generator.next()), at: position)
            }
        }
        return bytes
    }
}
