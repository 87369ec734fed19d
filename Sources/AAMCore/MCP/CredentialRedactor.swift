/// Redacts injected credentials from text a tool answers, in the forms a careless or hostile
/// tool is likely to echo them: as is, base64 (standard and URL-safe, padded or not, alone or
/// at any of the three byte alignments inside a longer base64 text), hex (either case),
/// percent-encoded (fully or partly) and JSON-escaped (`\u0073ecret`, inside text that is
/// itself JSON), and those escapes combined two deep.
///
/// How: each text is searched in several views (the raw text, its JSON-unescaped and
/// percent-decoded readings, and those of each other), each byte of a view remembering the
/// span of the original text it came from, so a match in any view redacts the original span.
/// A base64 match redacts the whole base64 run around it (its edge characters carry bits of
/// the secret). Searches are KMP, linear in the text: an answer of megabytes costs
/// milliseconds, not a quadratic blow-up.
///
/// Not covered (stated in docs): other transforms (reversal, compression, encryption, a secret
/// split across two strings, a numeric secret returned as a JSON number, line-wrapped base64).
public struct CredentialRedactor: Sendable {
    public static let replacement = "[REDACTED]"
    /// Below this length only the plain form is searched: shorter encodings would match
    /// ordinary text.
    public static let encodedMinimumLength = 8

    struct Needle: Sendable {
        var bytes: [UInt8]
        /// Matched against the ASCII-lowercased view (hex, either case).
        var caseInsensitive = false
        /// A match widens to the base64 run around it.
        var base64 = false
    }

    let needles: [Needle]

    public init(secrets: [String]) {
        var needles: [Needle] = []
        var seen = Set<[UInt8]>()
        for secret in Set(secrets) where !secret.isEmpty {
            let raw = Array(secret.utf8)
            func add(_ needle: Needle) {
                guard !needle.bytes.isEmpty, seen.insert(needle.bytes + [needle.caseInsensitive ? 1 : 0]).inserted else { return }
                needles.append(needle)
            }
            add(Needle(bytes: raw))
            guard raw.count >= Self.encodedMinimumLength else { continue }
            add(Needle(bytes: Array(Self.hex(raw).utf8), caseInsensitive: true))
            for core in Self.base64Cores(raw) {
                add(Needle(bytes: core, base64: true))
                add(Needle(bytes: core.map { $0 == UInt8(ascii: "+") ? UInt8(ascii: "-") : $0 == UInt8(ascii: "/") ? UInt8(ascii: "_") : $0 }, base64: true))
            }
        }
        self.needles = needles
    }

    /// True when there is nothing to redact.
    public var isEmpty: Bool { needles.isEmpty }

    /// `text` with every found form of every secret replaced by `[REDACTED]`.
    public func redact(_ text: String) -> String {
        guard !needles.isEmpty else { return text }
        let original = Array(text.utf8)
        var spans: [Range<Int>] = []
        for view in Self.views(of: original) {
            var lowered: [UInt8]?
            for needle in needles {
                let haystack: [UInt8]
                if needle.caseInsensitive {
                    if lowered == nil { lowered = view.bytes.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 } }
                    haystack = lowered ?? view.bytes
                } else {
                    haystack = view.bytes
                }
                for match in Self.occurrences(of: needle.bytes, in: haystack) {
                    var range = match
                    if needle.base64 { range = Self.widenToBase64Run(range, in: view.bytes) }
                    spans.append(view.start(range.lowerBound)..<view.end(range.upperBound - 1))
                }
            }
        }
        guard !spans.isEmpty else { return text }
        spans.sort { $0.lowerBound < $1.lowerBound }
        var output: [UInt8] = []
        output.reserveCapacity(original.count)
        var cursor = 0
        var index = 0
        while index < spans.count {
            var span = spans[index]
            index += 1
            while index < spans.count, spans[index].lowerBound <= span.upperBound {
                span = span.lowerBound..<max(span.upperBound, spans[index].upperBound)
                index += 1
            }
            output.append(contentsOf: original[cursor..<max(cursor, span.lowerBound)])
            output.append(contentsOf: Self.replacement.utf8)
            cursor = max(cursor, span.upperBound)
        }
        output.append(contentsOf: original[min(cursor, original.count)...])
        // A span can cut a multi-byte character only inside a decoded view's escape, whose
        // original bytes are ASCII; decoding repairs nothing else.
        return String(decoding: output, as: UTF8.self)
    }

    // MARK: Encodings

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static let base64Alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Standard base64 without padding.
    static func base64(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let b0 = UInt32(bytes[index])
            let b1 = index + 1 < bytes.count ? UInt32(bytes[index + 1]) : 0
            let b2 = index + 2 < bytes.count ? UInt32(bytes[index + 2]) : 0
            let group = b0 << 16 | b1 << 8 | b2
            let count = min(3, bytes.count - index) + 1
            for position in 0..<count {
                out.append(base64Alphabet[Int((group >> UInt32(18 - 6 * position)) & 0x3F)])
            }
            index += 3
        }
        return out
    }

    /// For each alignment k (the secret starting k bytes into a 3-byte group), the base64
    /// characters that depend on the secret's bytes only: any base64 text that contains the
    /// secret at that alignment contains this core, whatever surrounds it.
    static func base64Cores(_ secret: [UInt8]) -> [[UInt8]] {
        (0..<3).map { k in
            let encoded = base64([UInt8](repeating: 0, count: k) + secret)
            let first = (8 * k + 5) / 6
            let last = (8 * (k + secret.count)) / 6  // exclusive
            return first < last && last <= encoded.count ? Array(encoded[first..<last]) : []
        }
    }

    static func isBase64Character(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "+"), UInt8(ascii: "/"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "="):
            true
        default: false
        }
    }

    static func widenToBase64Run(_ range: Range<Int>, in bytes: [UInt8]) -> Range<Int> {
        var lower = range.lowerBound
        var upper = range.upperBound
        while lower > 0, isBase64Character(bytes[lower - 1]) { lower -= 1 }
        while upper < bytes.count, isBase64Character(bytes[upper]) { upper += 1 }
        return lower..<upper
    }

    // MARK: Views

    /// A reading of the original text: each byte with where its original span starts (nil:
    /// the original itself). Bytes decoded from one escape share a start; a span ends where the
    /// next different start begins, so one 4-byte array per view suffices.
    struct View {
        var bytes: [UInt8]
        var starts: [UInt32]?
        var originalCount: Int

        func start(_ index: Int) -> Int {
            guard let starts else { return index }
            return Int(starts[index])
        }

        func end(_ index: Int) -> Int {
            guard let starts else { return index + 1 }
            var next = index + 1
            while next < starts.count, starts[next] == starts[index] { next += 1 }
            return next < starts.count ? Int(starts[next]) : originalCount
        }
    }

    /// Texts longer than this get one round of decoding, not two (each view costs 5 bytes per
    /// byte of text).
    static let nestedDecodingLimit = 1 << 20

    static func views(of original: [UInt8]) -> [View] {
        let raw = View(bytes: original, starts: nil, originalCount: original.count)
        var all = [raw]
        var frontier = [raw]
        for round in 0..<2 where round == 0 || original.count <= nestedDecodingLimit {
            var next: [View] = []
            for view in frontier {
                if let decoded = jsonUnescaped(view) { next.append(decoded) }
                if let decoded = percentDecoded(view) { next.append(decoded) }
            }
            all += next
            frontier = next
        }
        return all
    }

    private static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// `%HH` decoded; nil when the view has none.
    static func percentDecoded(_ view: View) -> View? {
        guard view.bytes.contains(UInt8(ascii: "%")) else { return nil }
        var out: [UInt8] = []
        var starts: [UInt32] = []
        out.reserveCapacity(view.bytes.count)
        starts.reserveCapacity(view.bytes.count)
        var index = 0
        var changed = false
        let bytes = view.bytes
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count,
                let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2])
            {
                out.append(UInt8(high << 4 | low))
                starts.append(UInt32(truncatingIfNeeded: view.start(index)))
                index += 3
                changed = true
            } else {
                out.append(bytes[index])
                starts.append(UInt32(truncatingIfNeeded: view.start(index)))
                index += 1
            }
        }
        return changed ? View(bytes: out, starts: starts, originalCount: view.originalCount) : nil
    }

    private static func hex4(_ bytes: [UInt8], at index: Int) -> UInt32? {
        guard index + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for offset in 0..<4 {
            guard let digit = hexValue(bytes[index + offset]) else { return nil }
            value = value << 4 | digit
        }
        return value
    }

    /// JSON string escapes decoded (`\"`, `\\`, `\/`, `\n`…, `\uXXXX` with surrogate pairs);
    /// nil when the view has none.
    static func jsonUnescaped(_ view: View) -> View? {
        guard view.bytes.contains(UInt8(ascii: "\\")) else { return nil }
        var out: [UInt8] = []
        var starts: [UInt32] = []
        out.reserveCapacity(view.bytes.count)
        starts.reserveCapacity(view.bytes.count)
        var index = 0
        var changed = false
        let bytes = view.bytes
        func emit(_ decoded: [UInt8], from start: Int) {
            let origin = UInt32(truncatingIfNeeded: view.start(start))
            for byte in decoded {
                out.append(byte)
                starts.append(origin)
            }
        }
        while index < bytes.count {
            guard bytes[index] == UInt8(ascii: "\\"), index + 1 < bytes.count else {
                emit([bytes[index]], from: index)
                index += 1
                continue
            }
            let simple: UInt8? =
                switch bytes[index + 1] {
                case UInt8(ascii: "\""): 0x22
                case UInt8(ascii: "\\"): 0x5C
                case UInt8(ascii: "/"): 0x2F
                case UInt8(ascii: "b"): 0x08
                case UInt8(ascii: "f"): 0x0C
                case UInt8(ascii: "n"): 0x0A
                case UInt8(ascii: "r"): 0x0D
                case UInt8(ascii: "t"): 0x09
                default: nil
                }
            if let simple {
                emit([simple], from: index)
                index += 2
                changed = true
                continue
            }
            if bytes[index + 1] == UInt8(ascii: "u"), var scalar = hex4(bytes, at: index + 2) {
                var last = index + 5
                if (0xD800..<0xDC00).contains(scalar), index + 11 < bytes.count, bytes[index + 6] == UInt8(ascii: "\\"),
                    bytes[index + 7] == UInt8(ascii: "u"), let low = hex4(bytes, at: index + 8), (0xDC00..<0xE000).contains(low)
                {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    last = index + 11
                }
                let decoded = Unicode.Scalar(scalar).map { Array(String($0).utf8) } ?? Array("\u{FFFD}".utf8)
                emit(decoded, from: index)
                index = last + 1
                changed = true
                continue
            }
            emit([bytes[index]], from: index)
            index += 1
        }
        return changed ? View(bytes: out, starts: starts, originalCount: view.originalCount) : nil
    }

    // MARK: Search

    /// Every (possibly overlapping) occurrence of `needle` in `haystack` (Knuth–Morris–Pratt).
    static func occurrences(of needle: [UInt8], in haystack: [UInt8]) -> [Range<Int>] {
        guard !needle.isEmpty, haystack.count >= needle.count else { return [] }
        var failure = [Int](repeating: 0, count: needle.count)
        var k = 0
        for index in 1..<max(1, needle.count) {
            while k > 0, needle[index] != needle[k] { k = failure[k - 1] }
            if needle[index] == needle[k] { k += 1 }
            failure[index] = k
        }
        var found: [Range<Int>] = []
        var matched = 0
        for (index, byte) in haystack.enumerated() {
            while matched > 0, byte != needle[matched] { matched = failure[matched - 1] }
            if byte == needle[matched] { matched += 1 }
            if matched == needle.count {
                found.append((index + 1 - needle.count)..<(index + 1))
                matched = failure[matched - 1]
            }
        }
        return found
    }
}
