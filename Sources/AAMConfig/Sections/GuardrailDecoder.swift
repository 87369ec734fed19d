import AAMCore
import Yams

/// A guardrail policy from the file, with its scope as written (for duplicate checks).
struct DeclaredGuardrail {
    var scope: ScalarValue
    /// `scope` in its canonical text form: the key in `ConfigState.guardrails`.
    var canonicalScope: String
    var policy: GuardrailPolicy
}

/// Decodes items of `guardrails:`, one policy per scope:
///
/// ```yaml
/// guardrails:
///   - scope: org:acme
///     request: {email: redact, api_key: block}
///     response: {email: redact}
///     denylist: ["project zeus", "/secret-\\d+/"]
///     customDetectors:
///       - { name: employee_id, pattern: "EMP-[0-9]{6}" }
///       - { name: ref_card, pattern: "ref:([0-9]{16})", validator: luhn, caseInsensitive: true }
/// ```
enum GuardrailDecoder {
    static let fields = ["scope", "request", "response", "denylist", "customDetectors"]
    static let detectorFields = ["name", "pattern", "validator", "caseInsensitive"]

    static func decode(_ node: Node, path: FieldPath, context: DecodingContext) -> DeclaredGuardrail? {
        guard let reader = MappingReader(node, path: path, context: context, fields: fields) else { return nil }
        guard let scope = reader.string("scope", required: true) else { return nil }
        guard let parsed = GuardrailScope(scope.text) else {
            context.report(path.child("scope"), at: scope.mark, "expected org:ID, team:ID, project:ID or key:ID, got \(scope.display)")
            return nil
        }
        var policy = GuardrailPolicy()
        policy.request = actions(reader, "request")
        policy.response = actions(reader, "response")
        policy.denylist = (reader.strings("denylist") ?? []).map(\.text)
        policy.customDetectors = (reader.list("customDetectors") ?? []).compactMap { item in
            customDetector(item.node, path: item.path, context: context)
        }
        do {
            try policy.validate()
        } catch {
            context.report(path.child(error.field), at: node.mark, error.message)
        }
        return DeclaredGuardrail(scope: scope, canonicalScope: parsed.description, policy: policy)
    }

    /// `{name, pattern, validator?, caseInsensitive?}`; the pattern is compiled (and its errors
    /// reported with the field) by `GuardrailPolicy.validate()`.
    private static func customDetector(_ node: Node, path: FieldPath, context: DecodingContext) -> CustomDetector? {
        guard let reader = MappingReader(node, path: path, context: context, fields: detectorFields) else { return nil }
        let name = reader.string("name", required: true)
        let pattern = reader.string("pattern", required: true)
        var validator: GuardrailValidator?
        if let raw = reader.string("validator") {
            validator = GuardrailValidator(rawValue: raw.text)
            if validator == nil {
                let known = GuardrailValidator.allCases.map(\.rawValue).joined(separator: ", ")
                context.report(path.child("validator"), at: raw.mark, "expected one of \(known), got \(raw.display)")
            }
        }
        var caseInsensitive = false
        if let raw = reader.string("caseInsensitive") {
            switch raw.text {
            case "true": caseInsensitive = true
            case "false": caseInsensitive = false
            default: context.report(path.child("caseInsensitive"), at: raw.mark, "expected true or false, got \(raw.display)")
            }
        }
        guard let name, let pattern else { return nil }
        return CustomDetector(name: name.text, pattern: pattern.text, validator: validator, caseInsensitive: caseInsensitive)
    }

    private static func actions(_ reader: MappingReader, _ key: String) -> [GuardrailDetector: GuardrailAction] {
        var result: [GuardrailDetector: GuardrailAction] = [:]
        for entry in reader.stringMap(key) ?? [] {
            guard let action = GuardrailAction(rawValue: entry.value.text) else {
                let known = GuardrailAction.allCases.map(\.rawValue).joined(separator: ", ")
                reader.context.report(
                    reader.path.child(key).child(entry.name), at: entry.value.mark,
                    "expected one of \(known), got \(entry.value.display)")
                continue
            }
            result[GuardrailDetector(entry.name)] = action
        }
        return result
    }
}
