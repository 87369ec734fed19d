/// The duplicate-key rule (`JSONKeyRule`) applied during the scanner's single pass, cheaply:
/// plain keys (ASCII, no escapes, the common case) are compared as raw bytes ignoring ASCII
/// case; only a key with escapes or non-ASCII text is decoded and folded. One shared entry
/// buffer serves every open object, so an object costs no allocation of its own; an object
/// with more than `linearLimit` keys switches to a hash index so a hostile one stays linear.
struct ObjectKeyTracker {
    private struct Entry {
        /// The key's string literal, quotes included.
        var literal: Range<Int>
        var plain: Bool
        /// The folded text, computed when first needed (always for a key that is not plain).
        var folded: String?
    }

    private struct Frame {
        var start: Int
        /// folded key -> literal of its first occurrence, once the object has many keys.
        var index: [String: Range<Int>]?
    }

    static let linearLimit = 16

    private var entries: [Entry] = []
    private var frames: [Frame] = []

    mutating func begin() {
        frames.append(Frame(start: entries.count))
    }

    mutating func end() {
        guard let frame = frames.popLast() else { return }
        entries.removeSubrange(frame.start...)
    }

    /// Records the key whose literal is `literal`; throws if its object already holds it.
    mutating func add(literal: Range<Int>, plain: Bool, in bytes: [UInt8]) throws(JSONObjectScanner.Failure) {
        guard var frame = frames.popLast() else { return }
        defer { frames.append(frame) }
        var entry = Entry(literal: literal, plain: plain, folded: plain ? nil : Self.fold(literal, bytes))
        if frame.index != nil {
            let folded = entry.folded ?? Self.fold(literal, bytes)
            if let earlier = frame.index?[folded] { throw Self.failure(literal, earlier: earlier, bytes) }
            frame.index?[folded] = literal
            return
        }
        for position in frame.start..<entries.count {
            if Self.collides(&entries[position], with: &entry, bytes) {
                throw Self.failure(literal, earlier: entries[position].literal, bytes)
            }
        }
        entries.append(entry)
        if entries.count - frame.start > Self.linearLimit {
            var index: [String: Range<Int>] = [:]
            for position in frame.start..<entries.count {
                index[entries[position].folded ?? Self.fold(entries[position].literal, bytes)] = entries[position].literal
            }
            frame.index = index
            entries.removeSubrange(frame.start...)
        }
    }

    private static func collides(_ old: inout Entry, with new: inout Entry, _ bytes: [UInt8]) -> Bool {
        if old.plain && new.plain {
            guard old.literal.count == new.literal.count else { return false }
            var a = old.literal.lowerBound
            var b = new.literal.lowerBound
            while a < old.literal.upperBound {
                if bytes[a] | caseBit(bytes[a]) != bytes[b] | caseBit(bytes[b]) { return false }
                a += 1
                b += 1
            }
            return true
        }
        if old.folded == nil { old.folded = fold(old.literal, bytes) }
        if new.folded == nil { new.folded = fold(new.literal, bytes) }
        return old.folded == new.folded
    }

    /// 0x20 for an ASCII letter (OR-ing it lowercases), 0 otherwise.
    private static func caseBit(_ byte: UInt8) -> UInt8 {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) ? 0x20 : 0
    }

    private static func text(_ literal: Range<Int>, _ bytes: [UInt8]) -> String {
        var cursor = Cursor(bytes: bytes)
        cursor.position = literal.lowerBound
        return (try? cursor.stringValue()) ?? ""
    }

    private static func fold(_ literal: Range<Int>, _ bytes: [UInt8]) -> String {
        JSONKeyRule.fold(text(literal, bytes))
    }

    private static func failure(_ literal: Range<Int>, earlier: Range<Int>, _ bytes: [UInt8]) -> JSONObjectScanner.Failure {
        let key = text(literal, bytes)
        return JSONObjectScanner.Failure(
            message: JSONKeyRule.message(duplicate: key, earlier: text(earlier, bytes)), offset: literal.lowerBound, duplicateKey: key)
    }
}
