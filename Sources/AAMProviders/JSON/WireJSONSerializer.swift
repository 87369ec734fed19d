import AAMCore

extension WireJSON {
    /// Compact JSON bytes (no insignificant whitespace), members in stored order unless
    /// `sortedKeys` (for golden files). Non-ASCII text is written as raw UTF-8, `/` unescaped.
    public func serialized(sortedKeys: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(into: &out, sortedKeys: sortedKeys)
        return out
    }

    /// Compact JSON text; see ``serialized(sortedKeys:)``.
    public func serializedString(sortedKeys: Bool = false) -> String {
        String(decoding: serialized(sortedKeys: sortedKeys), as: UTF8.self)
    }

    /// Appends the compact JSON encoding of this value to `out`.
    public func write(into out: inout [UInt8], sortedKeys: Bool = false) {
        switch self {
        case .null: out.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
        case .bool(let b): out.append(contentsOf: b ? Array("true".utf8) : Array("false".utf8))
        case .number(let literal): out.append(contentsOf: literal.utf8)
        case .string(let s): Self.writeString(s, into: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                element.write(into: &out, sortedKeys: sortedKeys)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            let members = sortedKeys ? object.members.sorted { $0.key < $1.key } : object.members
            for (i, member) in members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                Self.writeString(member.key, into: &out)
                out.append(UInt8(ascii: ":"))
                member.value.write(into: &out, sortedKeys: sortedKeys)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Writes a JSON string literal (`JSONStringLiteral`, shared with AAMCore's writers).
    static func writeString(_ s: String, into out: inout [UInt8]) {
        JSONStringLiteral.write(s, into: &out)
    }
}

/// Prints as compact JSON, so logs and test failures show the wire text.
extension WireJSON: CustomStringConvertible {
    public var description: String { serializedString() }
}

extension WireJSONObject: CustomStringConvertible {
    public var description: String { WireJSON.object(self).serializedString() }
}
