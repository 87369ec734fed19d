/// Typed reads of top-level members found by `JSONObjectScanner`, for the few fields the data
/// path needs. Each returns `.absent`, `.value` or `.wrongType` so callers can name the field
/// in a 400 without decoding the rest of the body.
public enum MemberRead<Value: Sendable>: Sendable {
    case absent
    case value(Value)
    case wrongType
}

extension JSONObjectScanner {
    public func string(_ key: String, in bytes: [UInt8]) -> MemberRead<String> {
        guard let member = member(key) else { return .absent }
        if member.kind == .null { return .absent }
        guard member.kind == .string else { return .wrongType }
        var cursor = Cursor(bytes: bytes)
        cursor.position = member.valueRange.lowerBound
        guard let value = try? cursor.stringValue() else { return .wrongType }
        return .value(value)
    }

    public func bool(_ key: String, in bytes: [UInt8]) -> MemberRead<Bool> {
        guard let member = member(key) else { return .absent }
        if member.kind == .null { return .absent }
        guard member.kind == .bool else { return .wrongType }
        return .value(bytes[member.valueRange.lowerBound] == UInt8(ascii: "t"))
    }

    /// Reads a non-negative integer (rejecting fractions, exponents and negatives).
    public func integer(_ key: String, in bytes: [UInt8]) -> MemberRead<Int> {
        guard let member = member(key) else { return .absent }
        if member.kind == .null { return .absent }
        guard member.kind == .number else { return .wrongType }
        var value = 0
        for byte in bytes[member.valueRange] {
            guard byte >= 0x30, byte <= 0x39 else { return .wrongType }
            let (product, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = product.addingReportingOverflow(Int(byte - 0x30))
            guard !overflow1, !overflow2 else { return .wrongType }
            value = sum
        }
        return .value(value)
    }

    /// The raw bytes of a member's value (e.g. a nested object to scan again).
    public func rawValue(_ key: String, in bytes: [UInt8]) -> ArraySlice<UInt8>? {
        guard let member = member(key) else { return nil }
        return bytes[member.valueRange]
    }
}

/// Splices new values into a top-level JSON object's bytes: replaces the values of existing
/// members and appends new members, leaving every other byte untouched.
///
/// Members are matched by `JSONKeyRule` (escapes decoded, case folded), not by spelling: a
/// receiver that folds keys (Go) would otherwise see the gateway's `stream_options` and the
/// client's `STREAM_OPTIONS` as one field twice, the last one winning. A member whose key folds
/// to a replaced name is rewritten whole under the name asked for, so the result holds exactly
/// one such key, spelled as the gateway decided.
public enum JSONSplicer {
    /// - Parameters:
    ///   - replacing: member name -> new raw JSON value (must already be valid JSON).
    ///   - removing: member names whose key/value pairs are dropped (any spelling that folds
    ///     to one of them).
    public static func splice(
        _ bytes: [UInt8], scan: JSONObjectScanner, replacing: [String: [UInt8]],
        removing: Set<String> = []
    ) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + 64)
        var pending = replacing
        var replacingByFold: [String: String] = [:]
        for key in replacing.keys { replacingByFold[JSONKeyRule.fold(key)] = key }
        let removingFolded = Set(removing.map(JSONKeyRule.fold))
        var edits: [(range: Range<Int>, value: [UInt8]?)] = []
        for member in scan.members {
            let folded = JSONKeyRule.fold(member.key)
            if removingFolded.contains(folded) {
                edits.append((member.valueRange, nil))
            } else if let name = replacingByFold[folded], let replacement = replacing[name] {
                // Every duplicate is replaced: parsers disagree on which one wins.
                pending.removeValue(forKey: name)
                if member.key == name {
                    edits.append((member.valueRange, replacement))
                } else {
                    // Another spelling of the name: rewrite the key too.
                    let keyStart = walkBackToKeyStart(bytes, from: member.valueRange.lowerBound)
                    edits.append((keyStart..<member.valueRange.upperBound, quoted(name) + [UInt8(ascii: ":")] + replacement))
                }
            }
        }
        var cursor = 0
        for edit in edits {
            if let value = edit.value {
                output.append(contentsOf: bytes[cursor..<edit.range.lowerBound])
                output.append(contentsOf: value)
                cursor = edit.range.upperBound
            } else {
                // Drop `"key": value` and one adjacent comma, by walking back to the key's quote.
                var start = edit.range.lowerBound
                start = walkBackToKeyStart(bytes, from: start)
                var end = edit.range.upperBound
                var probe = end
                while probe < bytes.count, isWhitespace(bytes[probe]) { probe += 1 }
                if probe < bytes.count, bytes[probe] == UInt8(ascii: ",") {
                    end = probe + 1
                } else {
                    var back = start - 1
                    while back > 0, isWhitespace(bytes[back]) { back -= 1 }
                    if back >= cursor, bytes[back] == UInt8(ascii: ",") {
                        start = back
                    } else if back < cursor, let last = output.lastIndex(where: { !isWhitespace($0) }),
                        output[last] == UInt8(ascii: ",")
                    {
                        // The previous member was removed with its trailing comma; drop the one before it.
                        output.removeSubrange(last...)
                    }
                }
                output.append(contentsOf: bytes[cursor..<max(cursor, start)])
                cursor = max(cursor, end)
            }
        }
        output.append(contentsOf: bytes[cursor...])
        if !pending.isEmpty, let close = output.lastIndex(of: UInt8(ascii: "}")) {
            var insertion: [UInt8] = []
            let isEmptyObject = output[..<close].last(where: { !isWhitespace($0) }) == UInt8(ascii: "{")
            for (index, (key, value)) in pending.sorted(by: { $0.key < $1.key }).enumerated() {
                if index > 0 || !isEmptyObject { insertion.append(UInt8(ascii: ",")) }
                insertion.append(contentsOf: quoted(key))
                insertion.append(UInt8(ascii: ":"))
                insertion.append(contentsOf: value)
            }
            output.insert(contentsOf: insertion, at: close)
        }
        return output
    }

    /// Encodes a Swift string as a JSON string literal.
    public static func quoted(_ string: String) -> [UInt8] {
        var output: [UInt8] = [UInt8(ascii: "\"")]
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": output.append(contentsOf: [0x5C, 0x22])
            case "\\": output.append(contentsOf: [0x5C, 0x5C])
            case "\n": output.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case "\r": output.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case "\t": output.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                output.append(contentsOf: Array("\\u\(String(repeating: "0", count: 4 - hex.count))\(hex)".utf8))
            default:
                output.append(contentsOf: Array(String(scalar).utf8))
            }
        }
        output.append(UInt8(ascii: "\""))
        return output
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    /// From the first byte of a member's value, finds the opening quote of its key.
    private static func walkBackToKeyStart(_ bytes: [UInt8], from valueStart: Int) -> Int {
        var index = valueStart - 1
        while index > 0, bytes[index] != UInt8(ascii: ":") { index -= 1 }
        index -= 1
        while index > 0, isWhitespace(bytes[index]) { index -= 1 }
        // index is at the key's closing quote; walk to its opening quote (skipping escaped quotes).
        index -= 1
        while index > 0 {
            if bytes[index] == UInt8(ascii: "\""), bytes[index - 1] != UInt8(ascii: "\\") { break }
            index -= 1
        }
        return index
    }
}
