import Yams

/// How the loader classifies raw YAML nodes before reading them as typed fields.
extension Node {
    /// How an error message names this node's kind: "a mapping", "a list", "a string", …
    var kindDescription: String {
        switch self {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            guard scalar.style == .plain || scalar.style == .any else { return "a string" }
            switch scalar.string {
            case "", "~", "null", "Null", "NULL": return "null"
            case "true", "True", "TRUE", "false", "False", "FALSE": return "a boolean"
            default: return Double(scalar.string) != nil ? "a number" : "a string"
            }
        }
    }

    /// Whether the node is a bare YAML null, which the loader treats as an absent field.
    var isNull: Bool {
        guard case .scalar(let scalar) = self, scalar.style == .plain || scalar.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string) && scalar.tag.rawValue != Tag.Name.str.rawValue
    }
}
