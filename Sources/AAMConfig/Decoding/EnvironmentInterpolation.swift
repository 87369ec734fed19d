/// `${NAME}` substitution in scalar values, shell style.
///
/// - `${NAME}` is replaced by the variable's value; an unset variable is a problem.
/// - `${NAME:-default}` uses `default` when the variable is unset or empty.
/// - `$$` is a literal `$`; a `$` followed by anything else is kept as is.
///
/// Substitution happens after YAML parsing, on one scalar at a time, so a value from the
/// environment can never change the structure of the document.
enum EnvironmentInterpolation {
    /// Why a scalar could not be interpolated. Carries variable names only, never values.
    enum Problem: Equatable, Sendable {
        case missingVariable(String)
        case invalidName(String)
        case unterminated
    }

    /// The outcome of interpolating one scalar.
    struct Result: Equatable, Sendable {
        var text: String
        /// True when any part of `text` came from the environment (so it must never be echoed).
        var usedEnvironment: Bool
        var problems: [Problem]
    }

    static func interpolate(_ text: String, environment: [String: String]) -> Result {
        guard text.contains("$") else { return Result(text: text, usedEnvironment: false, problems: []) }
        let scalars = Array(text.unicodeScalars)
        var output = String.UnicodeScalarView()
        var usedEnvironment = false
        var problems: [Problem] = []
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            let next = index + 1 < scalars.count ? scalars[index + 1] : nil
            guard scalar == "$", next == "$" || next == "{" else {
                output.append(scalar)
                index += 1
                continue
            }
            if next == "$" {
                output.append("$")
                index += 2
                continue
            }
            guard let close = scalars[(index + 2)...].firstIndex(of: "}") else {
                problems.append(.unterminated)
                break
            }
            let body = String(String.UnicodeScalarView(scalars[(index + 2)..<close]))
            index = close + 1
            let (name, fallback) = split(body)
            guard isValidName(name) else {
                problems.append(.invalidName(name))
                continue
            }
            usedEnvironment = true
            if let value = environment[name], !(fallback != nil && value.isEmpty) {
                output.append(contentsOf: value.unicodeScalars)
            } else if let fallback {
                output.append(contentsOf: fallback.unicodeScalars)
            } else {
                problems.append(.missingVariable(name))
            }
        }
        return Result(text: String(output), usedEnvironment: usedEnvironment, problems: problems)
    }

    /// `NAME:-default` -> (`NAME`, `default`); `NAME` -> (`NAME`, nil).
    private static func split(_ body: String) -> (name: String, fallback: String?) {
        guard let marker = body.range(of: ":-") else { return (body, nil) }
        return (String(body[..<marker.lowerBound]), String(body[marker.upperBound...]))
    }

    /// A portable environment variable name: a letter or `_`, then letters, digits or `_`.
    private static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCII,
            first.properties.isAlphabetic || first == "_"
        else { return false }
        return name.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || $0 == "_" || ("0"..."9").contains($0))
        }
    }
}
