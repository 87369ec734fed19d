/// Byte predicates for the guardrail scanner. Plain range checks: they inline to one or two
/// compares, cheaper than a table load on the hot loop. Everything the detectors match is ASCII,
/// so a UTF-8 continuation or lead byte is never a word character and never splits a match.
enum ASCII {
    static let at: UInt8 = 0x40, equals: UInt8 = 0x3D, colon: UInt8 = 0x3A, quote: UInt8 = 0x22
    static let apostrophe: UInt8 = 0x27, dash: UInt8 = 0x2D, underscore: UInt8 = 0x5F, dot: UInt8 = 0x2E
    static let space: UInt8 = 0x20, plus: UInt8 = 0x2B, slash: UInt8 = 0x2F
    static let openParen: UInt8 = 0x28, closeParen: UInt8 = 0x29

    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b &- 0x30 < 10 }
    @inline(__always) static func isUpper(_ b: UInt8) -> Bool { b &- 0x41 < 26 }
    @inline(__always) static func isLower(_ b: UInt8) -> Bool { b &- 0x61 < 26 }
    @inline(__always) static func isLetter(_ b: UInt8) -> Bool { (b | 0x20) &- 0x61 < 26 }
    @inline(__always) static func isAlnum(_ b: UInt8) -> Bool { isDigit(b) || isLetter(b) }
    /// Identifier character: a match never starts or ends next to one.
    @inline(__always) static func isWord(_ b: UInt8) -> Bool { isAlnum(b) || b == underscore }
    @inline(__always) static func isHex(_ b: UInt8) -> Bool { isDigit(b) || (b | 0x20) &- 0x61 < 6 }
    /// The base64url alphabet (JWT segments, most token bodies).
    @inline(__always) static func isBase64URL(_ b: UInt8) -> Bool { isAlnum(b) || b == dash || b == underscore }
    /// The standard base64 alphabet without padding (AWS secret access keys).
    @inline(__always) static func isBase64(_ b: UInt8) -> Bool { isAlnum(b) || b == plus || b == slash }
    @inline(__always) static func lower(_ b: UInt8) -> UInt8 { isUpper(b) ? b | 0x20 : b }
    /// Horizontal whitespace only: an assignment never spans lines.
    @inline(__always) static func isBlank(_ b: UInt8) -> Bool { b == space || b == 0x09 }
    /// A UTF-8 continuation byte (`10xxxxxx`): never a place to cut the text.
    @inline(__always) static func isContinuation(_ b: UInt8) -> Bool { b & 0xC0 == 0x80 }
}

/// Read-only view of the scanned bytes with bounds-safe peeking: detectors look a few bytes
/// ahead or behind and must treat the buffer edges as boundaries, never trap.
struct ScanBuffer {
    let base: UnsafeBufferPointer<UInt8>
    var count: Int { base.count }

    @inline(__always) subscript(_ i: Int) -> UInt8 { base[i] }
    /// The byte at `i`, or 0 outside the buffer (0 is in no character class).
    @inline(__always) func at(_ i: Int) -> UInt8 { i >= 0 && i < base.count ? base[i] : 0 }

    /// Whether the bytes at `i` are `literal` (exactly, case-sensitive).
    @inline(__always) func hasPrefix(_ literal: StaticString, at i: Int) -> Bool {
        let n = literal.utf8CodeUnitCount
        guard i + n <= base.count else { return false }
        let lit = literal.utf8Start
        for k in 0..<n where base[i + k] != lit[k] { return false }
        return true
    }

    /// Index after the run of bytes satisfying `predicate` from `i`, looking at most `limit` bytes.
    @inline(__always) func runEnd(from i: Int, limit: Int, _ predicate: (UInt8) -> Bool) -> Int {
        var j = i
        let end = min(base.count, i + limit)
        while j < end, predicate(base[j]) { j += 1 }
        return j
    }

    /// Whether a match may end before `i`: the next byte is not an identifier character.
    @inline(__always) func isWordEnd(_ i: Int) -> Bool { !ASCII.isWord(at(i)) }
}
