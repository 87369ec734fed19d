import Foundation

/// Turns an entity's JSON into the `before`/`after` text of an audit entry: canonical (sorted
/// keys, no whitespace, integers without a fraction) with every secret masked.
///
/// Masked, at any depth, are the values of members whose name says they hold a secret
/// (`credential`, `secret`, `password`, `pepper`, `authorization`, `api key`, `private key`,
/// or `token` other than a count ending in `tokens`). A sealed credential (an object with a
/// `fingerprint`) keeps only its fingerprint and the id of the master key that wraps it, so a
/// replacement or a re-wrap stays visible without any ciphertext; every other secret becomes
/// `"<masked>"` (null stays null, so "set" and "unset" remain distinguishable).
public enum AuditDocument {
    public static let maskedValue = "<masked>"

    /// The canonical masked text of an entity's JSON bytes, or nil when `json` is nil.
    /// Bytes that are not JSON are recorded as a masked placeholder, never verbatim.
    public static func canonical(_ json: Data?) -> String? {
        guard let json else { return nil }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: json) else { return "\"\(maskedValue)\"" }
        return canonical(value)
    }

    /// The canonical masked text of a JSON value.
    public static func canonical(_ value: JSONValue) -> String {
        var output = ""
        write(mask(value), into: &output)
        return output
    }

    /// Whether a member with this name holds a secret.
    public static func isSensitive(_ name: String) -> Bool {
        let lowered = name.lowercased()
        let normalized = lowered.replacingOccurrences(of: "-", with: "").replacingOccurrences(of: "_", with: "")
        for word in ["secret", "credential", "password", "passwd", "pepper", "authorization", "apikey", "privatekey", "cookie"]
        where normalized.contains(word) {
            return true
        }
        return normalized.contains("token") && !normalized.hasSuffix("tokens")
    }

    /// `value` with every sensitive member masked (see the type's documentation).
    public static func mask(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let members):
            var masked: [String: JSONValue] = [:]
            for (name, member) in members {
                masked[name] = isSensitive(name) ? maskSecret(member) : mask(member)
            }
            return .object(masked)
        case .array(let items): return .array(items.map(mask))
        default: return value
        }
    }

    private static func maskSecret(_ value: JSONValue) -> JSONValue {
        switch value {
        case .null: return .null
        case .object(let members) where members["fingerprint"]?.stringValue != nil:
            var kept: [String: JSONValue] = ["fingerprint": members["fingerprint"] ?? .null]
            for name in ["masterKeyID", "masterKeyId"] { if let id = members[name]?.stringValue { kept[name] = .string(id) } }
            return .object(kept)
        default: return .string(maskedValue)
        }
    }

    private static func write(_ value: JSONValue, into output: inout String) {
        switch value {
        case .null: output += "null"
        case .bool(let flag): output += flag ? "true" : "false"
        case .number(let number): output += format(number)
        case .string(let text): writeString(text, into: &output)
        case .array(let items):
            output += "["
            for (index, item) in items.enumerated() {
                if index > 0 { output += "," }
                write(item, into: &output)
            }
            output += "]"
        case .object(let members):
            output += "{"
            // Sorted by UTF-8 bytes: the same order on every platform.
            let sorted = members.sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
            for (index, (name, member)) in sorted.enumerated() {
                if index > 0 { output += "," }
                writeString(name, into: &output)
                output += ":"
                write(member, into: &output)
            }
            output += "}"
        }
    }

    private static func format(_ number: Double) -> String {
        if number.isFinite, number == number.rounded(), abs(number) < 9_007_199_254_740_992 {
            return String(Int64(number))
        }
        return number.isFinite ? "\(number)" : "null"
    }

    private static func writeString(_ text: String, into output: inout String) {
        output += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }
}
