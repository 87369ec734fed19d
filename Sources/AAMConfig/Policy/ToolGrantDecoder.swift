import AAMCore
import Yams

/// Decodes `spec.tools[]`: per business resource, the actions granted, the actions denied and
/// the argument constraints of granted actions.
enum ToolGrantDecoder {
    static let fields = ["resource", "actions", "deny", "constraints"]

    static let resourceRule = "letters, digits, '.', '_', '-', ':' or '/', e.g. salesforce.accounts, or '*'"
    static let actionRule = "letters, digits, '.', '_' or '-', e.g. read, or '*'"

    static func decodeAll(_ spec: MappingReader) -> [ToolGrant] {
        var grants: [ToolGrant] = []
        var firstIndex: [String: Int] = [:]
        for (index, item) in (spec.list("tools") ?? []).enumerated() {
            guard let (grant, resource) = decode(item.node, path: item.path, context: spec.context) else { continue }
            if let earlier = firstIndex[grant.resource] {
                spec.context.report(
                    resource.path, at: resource.mark,
                    "resource \(resource.display) is already listed in tools[\(earlier)] (write one entry per resource)")
                continue
            }
            firstIndex[grant.resource] = index
            grants.append(grant)
        }
        return grants
    }

    private static func decode(_ node: Node, path: FieldPath, context: DecodingContext) -> (ToolGrant, ScalarValue)? {
        guard let reader = MappingReader(node, path: path, context: context, fields: fields) else { return nil }
        let resource = reader.string("resource", required: true)
        if let resource, !isName(resource.text, extra: ":/") {
            context.report(resource.path, at: resource.mark, "invalid resource \(resource.display) (expected \(resourceRule))")
        }
        let actions = actionList(reader, "actions")
        let denied = actionList(reader, "deny")
        if !reader.contains("actions"), !reader.contains("deny") {
            context.report(path, at: reader.mark, "grants and denies nothing (add 'actions' or 'deny')")
        }
        let granted = Set(actions.map(\.text))
        for item in denied where granted.contains(item.text) {
            context.report(
                item.path, at: item.mark,
                "action \(item.display) is also in actions (deny always wins: remove it from one of the lists)")
        }
        let constraints = ConstraintDecoder.decodeAll(reader, granted: actions.map(\.text))
        guard let resource else { return nil }
        let grant = ToolGrant(
            resource: resource.text, actions: actions.map(\.text), deny: denied.map(\.text), constraints: constraints)
        return (grant, resource)
    }

    /// A list of action names, each checked, duplicates reported.
    private static func actionList(_ reader: MappingReader, _ key: String) -> [ScalarValue] {
        var seen: Set<String> = []
        var result: [ScalarValue] = []
        for item in reader.strings(key) ?? [] {
            guard isName(item.text, extra: "") else {
                reader.context.report(item.path, at: item.mark, "invalid action \(item.display) (expected \(actionRule))")
                continue
            }
            guard seen.insert(item.text).inserted else {
                reader.context.report(item.path, at: item.mark, "action \(item.display) is listed twice")
                continue
            }
            result.append(item)
        }
        return result
    }

    /// `*`, or letters, digits, `.`, `_`, `-` and the `extra` characters.
    static func isName(_ text: String, extra: String) -> Bool {
        if text == ToolGrant.wildcard { return true }
        return !text.isEmpty
            && text.unicodeScalars.allSatisfy { scalar in
                scalar.isASCII
                    && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "._-".unicodeScalars.contains(scalar)
                        || extra.unicodeScalars.contains(scalar))
            }
    }
}
