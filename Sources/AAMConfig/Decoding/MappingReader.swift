import Yams

/// Reads typed fields out of one YAML mapping, reporting every problem against its field path.
///
/// Each accessor returns nil when the field is absent, null, or wrong (the problem is then
/// already reported), so section decoders read as a list of fields and their rules.
struct MappingReader {
    let context: DecodingContext
    let path: FieldPath
    /// Where the mapping starts: missing-field errors point here.
    let mark: Mark?
    private let entries: [String: (keyMark: Mark?, value: Node)]
    /// Field names in file order, with the position of each key.
    let keys: [(name: String, mark: Mark?)]
    /// Known fields that a misspelled key was taken for ("did you mean"): not reported missing.
    private let suggested: Set<String>

    /// Wraps `node`, or reports "expected a mapping" and returns nil. With `fields`, every other
    /// key is reported as unknown, with the closest known name as a suggestion.
    init?(_ node: Node, path: FieldPath, context: DecodingContext, fields: [String]? = nil) {
        guard case .mapping(let mapping) = node else {
            context.report(path, at: node.mark, "expected a mapping, got \(node.kindDescription)")
            return nil
        }
        var entries: [String: (keyMark: Mark?, value: Node)] = [:]
        var keys: [(name: String, mark: Mark?)] = []
        for (key, value) in MergeKeys.expand(mapping, path: path, context: context) {
            guard case .scalar(let scalar) = key else {
                context.report(path, at: key.mark, "expected a field name, got \(key.kindDescription)")
                continue
            }
            entries[scalar.string] = (scalar.mark, value)
            keys.append((scalar.string, scalar.mark))
        }
        var suggested: Set<String> = []
        for key in keys {
            guard let known = fields, !known.contains(key.name) else { continue }
            let suggestion = ClosestMatch.suggestion(for: key.name, among: known)
            let hint =
                suggestion.map { " (did you mean '\($0)'?)" }
                ?? " (known fields: \(known.joined(separator: ", ")))"
            context.report(path.child(key.name), at: key.mark, "unknown field '\(key.name)'\(hint)")
            if let suggestion { suggested.insert(suggestion) }
        }
        self.context = context
        self.path = path
        self.mark = mapping.mark
        self.entries = entries
        self.keys = keys
        self.suggested = suggested
    }

    /// The value of `key`, or nil when it is absent or null.
    func value(_ key: String) -> Node? {
        guard let entry = entries[key], !entry.value.isNull else { return nil }
        return entry.value
    }

    /// Whether the field is written at all (even as null).
    func contains(_ key: String) -> Bool { entries[key] != nil }

    /// Where the field's key is written, else where the mapping starts.
    func keyMark(_ key: String) -> Mark? { entries[key]?.keyMark ?? mark }

    /// Reports that `key` is required but absent; `note` says why when it depends on other fields.
    /// Stays quiet when a misspelling of `key` was already reported as an unknown field.
    func reportMissing(_ key: String, note: String? = nil) {
        guard !suggested.contains(key) else { return }
        context.report(path.child(key), at: keyMark(key), note.map { "missing (\($0))" } ?? "missing required field")
    }

    /// Reports that `key` may not be set here, at its key.
    func reportNotAllowed(_ key: String, _ reason: String) {
        context.report(path.child(key), at: keyMark(key), reason)
    }

    // MARK: Scalars

    /// A string field. Empty strings count as absent when optional and are refused when required.
    func string(_ key: String, required: Bool = false) -> ScalarValue? {
        let field = path.child(key)
        guard let node = value(key) else {
            if required { reportMissing(key) }
            return nil
        }
        guard case .scalar = node else {
            context.report(field, at: node.mark, "expected a string, got \(node.kindDescription)")
            return nil
        }
        guard let scalar = context.scalar(node, path: field) else { return nil }
        if scalar.text.isEmpty {
            if required { context.report(field, at: scalar.mark, "must not be empty") }
            return nil
        }
        return scalar
    }

    /// A string field that must be a slug (`AAMCore.Slug`).
    func slug(_ key: String, required: Bool = false) -> ScalarValue? {
        guard let scalar = string(key, required: required) else { return nil }
        guard SlugRule.check(scalar, context: context) else { return nil }
        return scalar
    }

    /// An integer field within `bounds`.
    func int(_ key: String, _ bounds: NumericBounds<Int>) -> Int? {
        number(key, expected: "an integer", bounds: bounds) { Int($0) }
    }

    /// A number field within `bounds` (integers are accepted; infinities and NaN are not).
    func double(_ key: String, _ bounds: NumericBounds<Double>) -> Double? {
        number(key, expected: "a number", bounds: bounds) { text in
            Double(text).flatMap { $0.isFinite ? $0 : nil }
        }
    }

    private func number<Value>(
        _ key: String, expected: String, bounds: NumericBounds<Value>, parse: (String) -> Value?
    ) -> Value? {
        let field = path.child(key)
        guard let node = value(key) else { return nil }
        guard case .scalar = node else {
            context.report(field, at: node.mark, "expected \(expected), got \(node.kindDescription)")
            return nil
        }
        guard let scalar = context.scalar(node, path: field) else { return nil }
        if scalar.isQuoted, !scalar.usedEnvironment {
            context.report(field, at: scalar.mark, "expected \(expected), got the string \(scalar.display)")
            return nil
        }
        guard let number = parse(scalar.text.trimmingSpaces) else {
            context.report(field, at: scalar.mark, "expected \(expected), got \(scalar.display)")
            return nil
        }
        guard bounds.contains(number) else {
            context.report(field, at: scalar.mark, "\(bounds.requirement) (got \(scalar.bareDisplay))")
            return nil
        }
        return number
    }

    // MARK: Collections

    /// The items of a list field, each with its path; nil when absent or not a list.
    func list(_ key: String) -> [(node: Node, path: FieldPath)]? {
        let field = path.child(key)
        guard let node = value(key) else { return nil }
        guard case .sequence(let sequence) = node else {
            context.report(field, at: node.mark, "expected a list, got \(node.kindDescription)")
            return nil
        }
        return sequence.enumerated().map { ($0.element, field.index($0.offset)) }
    }

    /// A list of non-empty strings.
    func strings(_ key: String) -> [ScalarValue]? {
        guard let items = list(key) else { return nil }
        return items.compactMap { item in
            guard case .scalar = item.node, !item.node.isNull else {
                context.report(item.path, at: item.node.mark, "expected a string, got \(item.node.kindDescription)")
                return nil
            }
            guard let scalar = context.scalar(item.node, path: item.path) else { return nil }
            if scalar.text.isEmpty { context.report(item.path, at: scalar.mark, "must not be empty") }
            return scalar.text.isEmpty ? nil : scalar
        }
    }

    /// A mapping of names to strings (`headers`, `metadata`), in file order.
    func stringMap(_ key: String) -> [(name: String, nameMark: Mark?, value: ScalarValue)]? {
        guard let node = value(key), let reader = MappingReader(node, path: path.child(key), context: context) else {
            return nil
        }
        return reader.keys.compactMap { entry in
            let field = reader.path.child(entry.name)
            guard let node = reader.entries[entry.name]?.value else { return nil }
            guard case .scalar = node else {
                context.report(field, at: node.mark, "expected a string, got \(node.kindDescription)")
                return nil
            }
            return context.scalar(node, path: field).map { (entry.name, entry.mark, $0) }
        }
    }
}

extension String {
    /// Without leading and trailing spaces (values from the environment often carry a newline).
    var trimmingSpaces: String {
        var view = Substring(self)
        while view.first?.isWhitespace == true { view.removeFirst() }
        while view.last?.isWhitespace == true { view.removeLast() }
        return String(view)
    }
}
