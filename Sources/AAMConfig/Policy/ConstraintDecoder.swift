import AAMCore
import Yams

/// Decodes a tools entry's `constraints`: for each granted action, a list of conditions on the
/// call's arguments, all of which must hold:
///
/// ```yaml
/// constraints:
///   create:
///     - { argument: amount, max: 1000 }
///     - { argument: record.type, oneOf: [invoice, credit_note] }
///     - { argument: reference, pattern: "INV-[0-9]{6}" }
/// ```
///
/// Each item names one `argument` and one test: `equals`, `oneOf`, `pattern`, or `min` and/or `max`.
enum ConstraintDecoder {
    static let fields = ["argument", "equals", "oneOf", "min", "max", "pattern"]
    static let tests = ["equals", "oneOf", "pattern", "min", "max"]

    static func decodeAll(_ tool: MappingReader, granted: [String]) -> [String: [ArgumentConstraint]] {
        guard let node = tool.value("constraints"),
            let reader = MappingReader(node, path: tool.path.child("constraints"), context: tool.context)
        else { return [:] }
        var result: [String: [ArgumentConstraint]] = [:]
        for key in reader.keys {
            let path = reader.path.child(key.name)
            guard granted.contains(key.name), key.name != ToolGrant.wildcard else {
                let hint = ClosestMatch.hint(for: key.name, among: granted.filter { $0 != ToolGrant.wildcard })
                tool.context.report(
                    path, at: key.mark, "constraints for '\(key.name)', which is not a granted action in actions\(hint)")
                continue
            }
            guard let items = reader.list(key.name) else { continue }
            result[key.name] = items.compactMap { decode($0.node, path: $0.path, context: tool.context) }
        }
        return result
    }

    private static func decode(_ node: Node, path: FieldPath, context: DecodingContext) -> ArgumentConstraint? {
        guard let reader = MappingReader(node, path: path, context: context, fields: fields) else { return nil }
        let argument = argumentPath(reader)
        let present = reader.keys.map(\.name).filter { tests.contains($0) }
        guard !present.isEmpty else {
            context.report(path, at: reader.mark, "a constraint needs one of equals, oneOf, pattern, min or max")
            return nil
        }
        let isRange = present.allSatisfy { $0 == "min" || $0 == "max" }
        if !isRange, present.count > 1 {
            let second = present[1]
            reader.reportNotAllowed(second, "'\(present[0])' and '\(second)' cannot be combined in one constraint (only min and max can)")
            return nil
        }
        let test: ArgumentConstraint.Test?
        switch present[0] {
        case "equals": test = reader.value("equals").flatMap { value($0, path: path.child("equals"), context: context) }.map { .equals($0) }
        case "oneOf": test = oneOf(reader)
        case "pattern": test = pattern(reader)
        default: test = range(reader)
        }
        guard let argument, let test else { return nil }
        return ArgumentConstraint(argument: argument, test: test)
    }

    private static func argumentPath(_ reader: MappingReader) -> ArgumentPath? {
        guard let text = reader.string("argument", required: true) else { return nil }
        do {
            return try ArgumentPath(text.text)
        } catch {
            reader.context.report(text.path, at: text.mark, "invalid argument path \(text.display): \(error)")
            return nil
        }
    }

    private static func oneOf(_ reader: MappingReader) -> ArgumentConstraint.Test? {
        guard let items = reader.list("oneOf") else { return nil }
        guard !items.isEmpty else {
            reader.context.report(reader.path.child("oneOf"), at: reader.value("oneOf")?.mark, "must list at least one value")
            return nil
        }
        let values = items.compactMap { value($0.node, path: $0.path, context: reader.context) }
        return values.count == items.count ? .oneOf(values) : nil
    }

    private static func pattern(_ reader: MappingReader) -> ArgumentConstraint.Test? {
        guard let text = reader.string("pattern", required: true) else { return nil }
        do {
            return .pattern(try ArgumentPattern(text.text))
        } catch {
            reader.context.report(text.path, at: text.mark, "\(text.display) \(error)")
            return nil
        }
    }

    private static func range(_ reader: MappingReader) -> ArgumentConstraint.Test? {
        let any = NumericBounds<Double>.between(-Double.greatestFiniteMagnitude, Double.greatestFiniteMagnitude)
        let min = reader.double("min", any)
        let max = reader.double("max", any)
        if let min, let max, min > max {
            reader.context.report(
                reader.path.child("min"), at: reader.value("min")?.mark, "is greater than max (\(format(min)) > \(format(max)))")
            return nil
        }
        guard min != nil || max != nil else { return nil }
        return .range(min: min, max: max)
    }

    /// A scalar compared with an argument: quoted text is a string; plain `true`/`false` a
    /// boolean; a plain number a number; anything else plain a string.
    private static func value(_ node: Node, path: FieldPath, context: DecodingContext) -> ConstraintValue? {
        guard case .scalar(let scalar) = node, !node.isNull else {
            context.report(path, at: node.mark, "expected a string, number or boolean, got \(node.kindDescription)")
            return nil
        }
        guard scalar.style == .plain || scalar.style == .any else { return .string(scalar.string) }
        switch scalar.string {
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        default:
            if let number = Double(scalar.string), number.isFinite { return .number(number) }
            return .string(scalar.string)
        }
    }

    private static func format(_ number: Double) -> String {
        number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
    }
}
