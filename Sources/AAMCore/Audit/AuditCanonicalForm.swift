import Foundation

/// The exact bytes an audit entry's `hash` covers.
///
/// Layout (UTF-8), one line per field in this fixed order, every field except `hash`:
///
///     aam-audit-v1\n
///     sequence <digits>\n
///     at <milliseconds since 1970, UTC, integer>\n
///     actor <byte length>:<text>\n
///     channel <byte length>:<text>\n
///     action <byte length>:<text>\n
///     target <byte length>:<text>\n
///     before <byte length>:<text>\n      or  before -\n  when absent
///     after <byte length>:<text>\n       or  after -\n   when absent
///     previousHash <byte length>:<text>\n
///
/// Every text is length-prefixed, so no value can forge a field boundary (a newline or a
/// field name inside `before` changes nothing), and an absent value (`-`) differs from an
/// empty one (`0:`). Time is whole milliseconds, the precision every store keeps, so an entry
/// read back from SQLite or Postgres gives the same bytes as when it was written.
public enum AuditCanonicalForm {
    /// Version tag: a future layout gets a new tag rather than a silently different hash.
    public static let version = "aam-audit-v1"
    /// `previousHash` of the first entry.
    public static let genesisHash = String(repeating: "0", count: 64)

    /// Whole milliseconds since 1970 (rounded, so a Double round trip of a stored date is exact).
    public static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    /// `date` truncated to the millisecond grid the canonical form uses.
    public static func normalized(_ date: Date) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds(date)) / 1000)
    }

    /// The canonical bytes of `entry` (its `hash` field is ignored).
    public static func bytes(of entry: AdminAuditEntry) -> [UInt8] {
        var output = Array("\(version)\n".utf8)
        func line(_ name: String, raw: String) {
            output += Array("\(name) \(raw)\n".utf8)
        }
        func line(_ name: String, text: String?) {
            guard let text else { return line(name, raw: "-") }
            output += Array("\(name) \(text.utf8.count):".utf8)
            output += Array(text.utf8)
            output.append(0x0A)
        }
        line("sequence", raw: String(entry.sequence))
        line("at", raw: String(milliseconds(entry.at)))
        line("actor", text: entry.actor)
        line("channel", text: entry.channel)
        line("action", text: entry.action)
        line("target", text: entry.target)
        line("before", text: entry.before)
        line("after", text: entry.after)
        line("previousHash", text: entry.previousHash)
        return output
    }
}
