import AAMCore
import Foundation

/// Loads the declarative YAML config (`aamd --config FILE`, `aam config check FILE`).
///
/// Loading parses the YAML, substitutes `${NAME}` / `${NAME:-default}` from `environment` in
/// scalar values (`$$` is a literal `$`), checks every field and every cross-reference, and
/// either returns the whole config or throws every problem found, sorted by position. No error
/// message ever contains a value that came from the environment, a credential or a key secret.
public enum ConfigLoader {
    /// Reads and loads the file at `path`; errors name the file as `path`.
    /// `outbound` is the daemon's rule for upstream hosts (the file may relax it with
    /// `server.allowLoopbackUpstreams: true`).
    public static func load(path: String, environment: [String: String], outbound: OutboundURLPolicy = .strict) throws(ConfigErrors) -> LoadedConfig {
        try load(path: path, environment: environment, now: Date(), outbound: outbound)
    }

    /// Loads YAML held in memory; `file` is the name errors show.
    public static func load(yaml: String, file: String, environment: [String: String], outbound: OutboundURLPolicy = .strict) throws(ConfigErrors)
        -> LoadedConfig
    {
        try load(yaml: yaml, file: file, environment: environment, now: Date(), outbound: outbound)
    }

    /// As `load(path:environment:)`, with `now` as the `createdAt` of the keys declared.
    public static func load(path: String, environment: [String: String], now: Date, outbound: OutboundURLPolicy = .strict) throws(ConfigErrors)
        -> LoadedConfig
    {
        let yaml: String
        do {
            yaml = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigErrors([ConfigError(file: path, field: "", message: "cannot read the file (\(reason(error)))")])
        }
        return try load(yaml: yaml, file: path, environment: environment, now: now, outbound: outbound)
    }

    /// As `load(yaml:file:environment:)`, with `now` as the `createdAt` of the keys declared.
    /// Files the config refers to (`policies: - file: PATH`) are read relative to `file`'s folder,
    /// or to `referenceDirectory` when given (YAML held in memory that stands for a file there).
    public static func load(
        yaml: String, file: String, environment: [String: String], now: Date, referenceDirectory: String? = nil,
        outbound: OutboundURLPolicy = .strict
    ) throws(ConfigErrors) -> LoadedConfig {
        let context = DecodingContext(file: file, environment: environment, referenceDirectory: referenceDirectory, outbound: outbound)
        let root = YAMLSyntax.compose(yaml, context: context)
        guard context.errors.isEmpty else { throw ConfigErrors(context.sortedErrors) }
        let declared = DocumentDecoder.decode(root, context: context, now: now)
        let loaded = ConfigValidator.validate(declared, context: context)
        guard context.errors.isEmpty else { throw ConfigErrors(context.sortedErrors) }
        return loaded
    }

    /// A short reason for a read failure ("no such file", "permission denied", ...).
    private static func reason(_ error: any Error) -> String {
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
