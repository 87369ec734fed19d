import Yams

/// Turns YAML text into a node tree, or syntax problems into located `ConfigError`s.
enum YAMLSyntax {
    /// The document's root node; nil for an empty document, or when the text is not valid YAML
    /// (the problem is then reported to `context`). Duplicate keys count as syntax problems.
    static func compose(_ yaml: String, context: DecodingContext) -> Node? {
        do {
            return try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            report(error, context: context)
        } catch {
            context.report(.root, at: nil, "cannot parse YAML")
        }
        return nil
    }

    /// Reports a Yams error by its position and libyaml's problem text (never the snippet of
    /// the file, which could hold a credential).
    private static func report(_ error: YamlError, context: DecodingContext) {
        switch error {
        case .scanner(let detail, let problem, let mark, _), .parser(let detail, let problem, let mark, _),
            .composer(let detail, let problem, let mark, _):
            let during = detail.map { " (\($0.text) at line \($0.mark.line), column \($0.mark.column))" } ?? ""
            context.report(.root, at: mark, "YAML syntax error: \(problem)\(during)")
        case .duplicatedKeysInMapping(let duplicates, let detail):
            let names = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            context.report(.root, at: detail.mark, "YAML syntax error: duplicate key \(names) in the same mapping")
        case .reader(let problem, _, _, _):
            context.report(.root, at: nil, "cannot read YAML: \(problem)")
        default:
            context.report(.root, at: nil, "cannot parse YAML")
        }
    }
}
