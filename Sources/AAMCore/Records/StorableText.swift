import Foundation

/// Text as every store can keep it: U+0000 (NUL) replaced by U+FFFD.
///
/// Postgres refuses NUL in `text` values ("invalid byte sequence for encoding UTF8: 0x00") and
/// the `\u0000` escape in `jsonb`; a NUL that a caller slipped into a model name would otherwise
/// make the database refuse the whole evidence batch it travels in. Swift strings are always
/// valid UTF-8, so NUL is the only code point a UTF-8 Postgres refuses. Both stores apply this
/// at their boundary so they keep the same text, and the audit log applies it to drafts before
/// hashing, so a stored entry still re-hashes to its chain.
public enum StorableText {
    public static let replacement: Unicode.Scalar = "\u{FFFD}"

    /// `text` with every NUL replaced (the same string when it has none).
    public static func clean(_ text: String) -> String {
        guard text.utf8.contains(0) else { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars { scalars.append(scalar == "\u{0}" ? replacement : scalar) }
        return String(scalars)
    }

    public static func clean(_ text: String?) -> String? { text.map(clean) }

    /// Encoded JSON with every `\u0000` escape (and raw NUL byte) replaced by `\ufffd`; nil when
    /// there was none. Escapes are read left to right, so an escaped backslash followed by the
    /// letters `u0000` (the text `\u0000`) is left alone.
    public static func cleanJSON(_ json: some Collection<UInt8>) -> [UInt8]? {
        let bytes = Array(json)
        guard bytes.contains(0) || bytes.contains(UInt8(ascii: "\\")) else { return nil }
        let fffd = Array("\\ufffd".utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var changed = false
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0 {
                output += fffd
                changed = true
                index += 1
            } else if byte == UInt8(ascii: "\\"), index + 1 < bytes.count {
                if bytes[index + 1] == UInt8(ascii: "u"), index + 5 < bytes.count, bytes[(index + 2)...(index + 5)].elementsEqual("0000".utf8) {
                    output += fffd
                    changed = true
                    index += 6
                } else {
                    output.append(byte)
                    output.append(bytes[index + 1])
                    index += 2
                }
            } else {
                output.append(byte)
                index += 1
            }
        }
        return changed ? output : nil
    }

    /// `value` with NUL replaced in every string it holds, and its JSON (`encoder`'s output):
    /// what a store writes, columns and document alike.
    public static func storable<T: Codable>(_ value: T, encoder: JSONEncoder = JSONEncoder()) throws -> (value: T, json: Data) {
        let json = try encoder.encode(value)
        guard let cleaned = cleanJSON(json) else { return (value, json) }
        let data = Data(cleaned)
        return (try JSONDecoder().decode(T.self, from: data), data)
    }
}

extension AuditDraft {
    /// The draft with NUL replaced in every text, applied before the entry is hashed so the
    /// stored entry (which stores keep NUL-free) still matches its hash.
    public var storable: AuditDraft {
        AuditDraft(
            actor: StorableText.clean(actor), action: StorableText.clean(action), target: StorableText.clean(target),
            before: StorableText.clean(before), after: StorableText.clean(after))
    }
}
