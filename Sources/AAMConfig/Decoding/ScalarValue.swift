import Yams

/// A scalar read from the file, after `${NAME}` interpolation, with where it came from.
struct ScalarValue {
    /// The value to use (interpolated).
    let text: String
    /// The value as written in the file (before interpolation).
    let source: String
    /// True when part of `text` came from the environment: `text` is then never shown.
    let usedEnvironment: Bool
    /// True for quoted and block scalars, which YAML always reads as strings.
    let isQuoted: Bool
    let mark: Mark?
    let path: FieldPath

    /// The value quoted for an error message. Values from the environment are shown as written
    /// (`'${OPENAI_API_KEY}'`), so a secret never reaches a message.
    var display: String { "'" + bareDisplay + "'" }

    /// `display` without quotes, for numbers.
    var bareDisplay: String { usedEnvironment ? source : text }
}

extension DecodingContext {
    /// Reads a scalar node and interpolates it, reporting interpolation problems against `path`.
    /// Returns nil (problems reported) when a variable is missing or `${` is malformed.
    func scalar(_ node: Node, path: FieldPath) -> ScalarValue? {
        guard case .scalar(let scalar) = node else { return nil }
        let result = EnvironmentInterpolation.interpolate(scalar.string, environment: environment)
        for problem in result.problems {
            switch problem {
            case .missingVariable(let name):
                report(path, at: scalar.mark, "environment variable '\(name)' is not set")
            case .invalidName(let name):
                report(path, at: scalar.mark, "invalid environment variable name '\(name)' in '${...}'")
            case .unterminated:
                report(path, at: scalar.mark, "unterminated '${' (write '$$' for a literal '$')")
            }
        }
        guard result.problems.isEmpty else { return nil }
        let quoted = scalar.style != .plain && scalar.style != .any
        return ScalarValue(
            text: result.text, source: scalar.string, usedEnvironment: result.usedEnvironment,
            isQuoted: quoted, mark: scalar.mark, path: path
        )
    }
}
