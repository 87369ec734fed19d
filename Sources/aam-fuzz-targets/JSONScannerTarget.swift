import AAMCore
import AAMProviders

/// `JSONObjectScanner` and `JSONSplicer`: what the data path decides on and forwards.
///
/// Invariants: a successful scan's member ranges lie inside the input, in order, without
/// overlap, and each starts with its kind's first byte; the typed reads never trap; the scanner
/// and `WireJSON.parse` (the translators' parser) accept the same objects and read the same
/// top-level keys and strings (where both define the input: valid UTF-8 without surrogate
/// escapes, which the scanner reads as U+FFFD and `WireJSON` refuses); splicing valid values
/// yields a document that scans again, with exactly the edits asked for.
enum JSONScannerTarget {
    static let target = FuzzTarget.jsonScanner

    static func run(_ input: [UInt8]) throws(InvariantViolation) {
        let wire = try? WireJSON.parse(input)
        let comparable = Self.comparable(input)
        let scan: JSONObjectScanner
        do {
            scan = try JSONObjectScanner(input)
        } catch {
            if comparable, let wire, case .object = wire, depth(wire) <= JSONObjectScanner.maxDepth {
                throw InvariantViolation(target.rawValue, "the scanner refused (\(error)) an object WireJSON accepts: \(excerpt(input))")
            }
            return
        }
        do { try JSONObjectScanner.validate(input) } catch {
            throw InvariantViolation(target.rawValue, "validate refused (\(error)) what the scanner accepted")
        }
        try checkRanges(scan, input)
        if comparable { try compare(scan, input, with: wire) }
        try checkSplice(scan, input)
        try checkUpstreamSplice(scan, input)
    }

    /// The splice the OpenAI pass-through makes (`UpstreamRequestBuilder.chat`): the upstream
    /// model in, `stream_options` forced on. The body sent upstream must obey the rule the
    /// inbound one was held to.
    static func checkUpstreamSplice(_ scan: JSONObjectScanner, _ input: [UInt8]) throws(InvariantViolation) {
        guard case .value = scan.string("model", in: input) else { return }
        let replacing = ["model": JSONSplicer.quoted("upstream-model"), "stream_options": Array(#"{"include_usage":true}"#.utf8)]
        let spliced = JSONSplicer.splice(input, scan: scan, replacing: replacing)
        do { _ = try JSONObjectScanner(spliced) } catch {
            throw InvariantViolation(target.rawValue, "the pass-through splice gave a body the scanner refuses (\(error)): \(excerpt(spliced, limit: 400))")
        }
    }

    /// True when both parsers define the input the same way (see the type's comment).
    static func comparable(_ input: [UInt8]) -> Bool {
        guard String(validating: input, as: UTF8.self) != nil else { return false }
        var index = 0
        while index + 2 < input.count {
            if input[index] == UInt8(ascii: "\\") {
                if input[index + 1] == UInt8(ascii: "u"), input[index + 2] == UInt8(ascii: "d") || input[index + 2] == UInt8(ascii: "D") {
                    return false
                }
                index += 2
            } else {
                index += 1
            }
        }
        return true
    }

    static func depth(_ value: WireJSON) -> Int {
        switch value {
        case .array(let items): 1 + (items.map(depth).max() ?? 0)
        case .object(let object): 1 + (object.map { depth($0.value) }.max() ?? 0)
        default: 0
        }
    }

    static func checkRanges(_ scan: JSONObjectScanner, _ input: [UInt8]) throws(InvariantViolation) {
        var previousEnd = 0
        for member in scan.members {
            let range = member.valueRange
            try check(range.lowerBound >= previousEnd && range.upperBound <= input.count && !range.isEmpty, target,
                "member \(String(reflecting: member.key)) has range \(range) (input \(input.count) bytes, previous end \(previousEnd))")
            previousEnd = range.upperBound
            let first = input[range.lowerBound]
            let expected: Bool
            switch member.kind {
            case .object: expected = first == UInt8(ascii: "{")
            case .array: expected = first == UInt8(ascii: "[")
            case .string: expected = first == UInt8(ascii: "\"")
            case .bool: expected = first == UInt8(ascii: "t") || first == UInt8(ascii: "f")
            case .null: expected = first == UInt8(ascii: "n")
            case .number: expected = first == UInt8(ascii: "-") || (first >= 0x30 && first <= 0x39)
            }
            try check(expected, target, "member \(String(reflecting: member.key)) of kind \(member.kind) starts with byte \(first)")
            // Typed reads must never trap, whatever the kind.
            _ = scan.string(member.key, in: input)
            _ = scan.bool(member.key, in: input)
            _ = scan.integer(member.key, in: input)
            _ = scan.rawValue(member.key, in: input)
            if member.kind == .object || member.kind == .array {
                // A nested value is valid JSON on its own.
                do { try JSONObjectScanner.validate(Array(input[range])) } catch {
                    throw InvariantViolation(target.rawValue, "member \(String(reflecting: member.key))'s value does not validate alone: \(error)")
                }
            }
        }
    }

    static func compare(_ scan: JSONObjectScanner, _ input: [UInt8], with wire: WireJSON?) throws(InvariantViolation) {
        guard let object = wire?.objectValue else {
            throw InvariantViolation(target.rawValue, "WireJSON refused an object the scanner accepts: \(excerpt(input))")
        }
        try check(object.keys == scan.members.map(\.key), target,
            "the parsers read different keys: \(object.keys) vs \(scan.members.map(\.key))")
        for member in scan.members where member.kind == .string {
            guard case .value(let text) = scan.string(member.key, in: input) else {
                throw InvariantViolation(target.rawValue, "string member \(String(reflecting: member.key)) does not read as a string")
            }
            try check(object[member.key]?.stringValue == text, target,
                "the parsers read member \(String(reflecting: member.key)) differently: \(String(reflecting: text)) vs \(String(describing: object[member.key]))")
        }
    }

    /// Replaces, removes and adds members (chosen from the input's hash) and checks the result.
    static func checkSplice(_ scan: JSONObjectScanner, _ input: [UInt8]) throws(InvariantViolation) {
        let keys = scan.members.map(\.key)
        guard Set(keys.map(JSONKeyRule.fold)).count == keys.count else { return }  // duplicates are refused upstream of any splice
        var generator = Chunking.Generator(seed: Chunking.seed(input))
        let replacementText = "fuzz \"q\" \\ \n\u{01} é 🙂 \(generator.next() % 1000)"
        var replacing: [String: [UInt8]] = [:]
        var removing: Set<String> = []
        for key in keys {
            switch generator.next() % 3 {
            case 0: replacing[key] = JSONSplicer.quoted(replacementText)
            case 1: removing.insert(key)
            default: break
            }
        }
        let added = "aam-fuzz-added-\(generator.next() % 4)"
        let addsMember = generator.next() % 2 == 0 && !keys.contains { JSONKeyRule.fold($0) == JSONKeyRule.fold(added) }
        if addsMember { replacing[added] = Array("[1,{\"x\":null}]".utf8) }

        let spliced = JSONSplicer.splice(input, scan: scan, replacing: replacing, removing: removing)
        let again: JSONObjectScanner
        do { again = try JSONObjectScanner(spliced) } catch {
            throw InvariantViolation(target.rawValue,
                "splice (replace \(replacing.keys.sorted()), remove \(removing.sorted())) gave invalid JSON (\(error)): \(excerpt(spliced, limit: 400))")
        }
        var expectedKeys = keys.filter { !removing.contains($0) }
        if addsMember { expectedKeys.append(added) }
        try check(again.members.map(\.key) == expectedKeys, target,
            "splice (replace \(replacing.keys.sorted()), remove \(removing.sorted())) left keys \(again.members.map(\.key)), expected \(expectedKeys)")
        for member in scan.members where !removing.contains(member.key) {
            guard let after = again.member(member.key) else { continue }
            if replacing[member.key] != nil {
                guard case .value(let text) = again.string(member.key, in: spliced), text == replacementText else {
                    throw InvariantViolation(target.rawValue, "replaced member \(String(reflecting: member.key)) does not read back")
                }
            } else {
                try check(input[member.valueRange].elementsEqual(spliced[after.valueRange]), target,
                    "untouched member \(String(reflecting: member.key)) changed in the splice")
            }
        }
    }
}
