/// Hand-written JSON text building.
///
/// The fake writes every response byte itself instead of going through `JSONEncoder`, because the
/// point of the fake is to be an independent witness of the vendors' wire format: key order,
/// `null` members and spacing are whatever the vendors send, not whatever an encoder prefers.
enum JSONText {
    /// `value` as a quoted JSON string literal, escaped the way the vendors escape it.
    static func string(_ value: String) -> String {
        var out = "\""
        out.reserveCapacity(value.utf8.count + 2)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case let s where s.value < 0x20:
                // Other control characters have no short escape; JSON requires \u00XX.
                out += "\\u00" + hexByte(UInt8(s.value))
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
        return out
    }

    /// A JSON string literal, or `null` when absent.
    static func stringOrNull(_ value: String?) -> String {
        value.map(string) ?? "null"
    }

    private static func hexByte(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 0x0F)])
    }
}
