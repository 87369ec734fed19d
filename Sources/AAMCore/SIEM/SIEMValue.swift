import Foundation

/// A JSON value whose objects keep the order they were built in, serialized compactly: SIEM
/// events read the same in every export and golden tests compare bytes.
public indirect enum SIEMValue: Sendable, Hashable {
    case string(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)
    case array([SIEMValue])
    /// Members in order; a `nil` value is left out (absent, rather than `null`).
    case object([(String, SIEMValue?)])

    public static func == (lhs: SIEMValue, rhs: SIEMValue) -> Bool { lhs.json == rhs.json }
    public func hash(into hasher: inout Hasher) { hasher.combine(json) }

    /// Compact JSON text.
    public var json: String {
        var out = ""
        write(into: &out)
        return out
    }

    /// The member `key` of an object, if present.
    public subscript(key: String) -> SIEMValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1 ?? nil
    }

    func write(into out: inout String) {
        switch self {
        case .string(let text): Self.writeString(text, into: &out)
        case .int(let value): out += String(value)
        case .double(let value): out += value.isFinite ? "\(value)" : "null"
        case .bool(let value): out += value ? "true" : "false"
        case .array(let values):
            out += "["
            for (index, value) in values.enumerated() {
                if index > 0 { out += "," }
                value.write(into: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            var first = true
            for (key, value) in members {
                guard let value else { continue }
                if !first { out += "," }
                first = false
                Self.writeString(key, into: &out)
                out += ":"
                value.write(into: &out)
            }
            out += "}"
        }
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped.
    static func writeString(_ text: String, into out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029:
                out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}

extension SIEMValue {
    /// `.string(value)`, or nil (member left out) when `value` is nil.
    static func optional(_ value: String?) -> SIEMValue? { value.map { .string($0) } }
    static func optional(_ value: Int?) -> SIEMValue? { value.map { .int(Int64($0)) } }
}
