import AAMCore
import Foundation

/// Loads one `AgentPolicy` document (YAML, or JSON, which YAML reads as well), for
/// `aam policy check -f FILE`, `aam policy apply -f FILE` and `PUT /admin/policies`.
///
/// Every problem is reported at once, sorted by position, as `FILE:LINE:COLUMN: FIELD: MESSAGE`
/// (`ConfigError`), like the config file. Policy files do not read the environment: a `${NAME}`
/// is an error, and `$$` is a literal `$` (regular expressions need no `$`: patterns are
/// anchored anyway).
///
/// Decisions taken here (and not left to the engine):
/// - an action both in `actions` and in `deny` of one entry is an error: deny would always win,
///   so the grant is dead text and almost certainly a mistake;
/// - two `tools` entries for one resource are an error (write one entry per resource);
/// - `expose_to_agent: true` is an error: credentials are injected at runtime by the broker and
///   never given to the agent, whatever a policy says;
/// - `constraints` may only name actions of the entry's `actions` list.
public enum PolicyLoader {
    /// Reads and loads the file at `path`; errors name the file as `path`.
    public static func load(path: String) throws(ConfigErrors) -> AgentPolicy {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigErrors([ConfigError(file: path, field: "", message: "cannot read the file (\(readFailure(error)))")])
        }
        return try load(text: text, file: path)
    }

    /// Loads a policy held in memory (a request body); `file` is the name errors show.
    public static func load(text: String, file: String) throws(ConfigErrors) -> AgentPolicy {
        let context = DecodingContext(file: file, environment: [:])
        let root = YAMLSyntax.compose(text, context: context)
        guard context.errors.isEmpty else { throw ConfigErrors(context.sortedErrors) }
        let policy = PolicyDocumentDecoder.decode(root, context: context)
        guard context.errors.isEmpty, let policy else {
            if context.errors.isEmpty { context.report(.root, at: nil, "no AgentPolicy could be read") }
            throw ConfigErrors(context.sortedErrors.map(explainingEnvironment))
        }
        return policy
    }

    /// The shared scalar reader interpolates `${NAME}` against the (here empty) environment and
    /// would say the variable "is not set", which invites setting it; say why instead.
    static func explainingEnvironment(_ error: ConfigError) -> ConfigError {
        let prefix = "environment variable '"
        guard error.message.hasPrefix(prefix), error.message.hasSuffix("' is not set") else { return error }
        let name = error.message.dropFirst(prefix.count).dropLast("' is not set".count)
        var explained = error
        explained.message = "policy files do not read the environment ('${\(name)}'; write '$$' for a literal '$')"
        return explained
    }

    static func readFailure(_ error: any Error) -> String {
        let nsError = error as NSError
        if nsError.domain == NSCocoaErrorDomain {
            switch nsError.code {
            case NSFileReadNoSuchFileError: return "no such file"
            case NSFileReadNoPermissionError: return "permission denied"
            case NSFileReadInapplicableStringEncodingError: return "not UTF-8 text"
            default: break
            }
        }
        return "error \(nsError.code)"
    }
}
