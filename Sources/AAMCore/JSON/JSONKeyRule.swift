/// The one rule for JSON the gateway decides on: no object may hold the same key twice, at any
/// depth.
///
/// Why: parsers disagree on which duplicate wins (Foundation's JSONDecoder keeps the first,
/// Python, JavaScript and Go keep the last), so a gateway that decides on one parse and
/// forwards the bytes can be made to judge one value while the receiver acts on another.
/// Refusing duplicates leaves every parser only one reading.
///
/// "The same key" is wider than equal bytes, because receivers compare wider too:
/// - escapes are decoded first (`"a"` and `"\u0061"` are one key);
/// - Swift compares strings by canonical equivalence (`"é"` and `"e\u0301"`, `"K"` and the
///   Kelvin sign are equal as `String`s and as dictionary keys);
/// - Go's encoding/json matches struct fields case-insensitively with Unicode folding, so
///   `"method"` and `"METHOD"` (or `"ſ"` and `"s"`) land in one field, the last one winning.
/// So two keys collide when they are equal after decoding escapes and folding case.
public enum JSONKeyRule {
    /// The comparison form of a key: ASCII lowercased; other text upper- then lowercased (folds
    /// `ſ`→`s`, Kelvin sign→`k`, final sigma→`σ`). Compare results with `==`/`Hashable`, which
    /// for `String` also merge canonically equivalent text.
    public static func fold(_ key: String) -> String {
        if key.utf8.allSatisfy({ $0 < 0x80 }) { return asciiLowercased(key) }
        return key.uppercased().lowercased()
    }

    static func asciiLowercased(_ key: String) -> String {
        guard key.utf8.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) else { return key }
        return String(decoding: key.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
    }

    /// The refusal message: names the key (quoted, escaped, capped so a hostile key cannot
    /// flood a log or an error body) and, when it differs from the earlier one only by
    /// spelling, that one too.
    public static func message(duplicate key: String, earlier: String) -> String {
        if key == earlier { return "duplicate key \(display(key))" }
        return "duplicate key \(display(key)) (the same key as \(display(earlier)) once escapes and letter case are folded)"
    }

    /// A key as a JSON string literal, at most 64 characters of it.
    public static func display(_ key: String) -> String {
        let capped = key.count > 64 ? String(key.prefix(64)) + "…" : key
        return String(decoding: JSONSplicer.quoted(capped), as: UTF8.self)
    }
}

/// The keys of one JSON object as they are read, refusing a collision (see `JSONKeyRule`).
/// Linear for the handful of keys real objects have, hashed beyond that so a hostile object
/// with many keys costs linear time.
public struct JSONKeySet: Sendable {
    private var keys: [(key: String, folded: String)] = []
    private var index: [String: String]?

    static let linearLimit = 16

    public init() {}

    /// Adds `key`; returns the earlier key it collides with (the object must be refused).
    public mutating func insert(_ key: String) -> String? {
        let folded = JSONKeyRule.fold(key)
        if index == nil {
            if let earlier = keys.first(where: { $0.folded == folded }) { return earlier.key }
            keys.append((key, folded))
            if keys.count > Self.linearLimit {
                index = Dictionary(keys.map { ($0.folded, $0.key) }, uniquingKeysWith: { first, _ in first })
                keys = []
            }
            return nil
        }
        if let earlier = index?[folded] { return earlier }
        index?[folded] = key
        return nil
    }
}
