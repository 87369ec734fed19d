/// One problem found in a config file, located as precisely as the file allows.
///
/// `description` reads `FILE:LINE:COLUMN: FIELD: MESSAGE`, the shape compilers use, so editors
/// and terminals can jump to the spot. Messages never contain a value that came from the
/// environment (`${NAME}`), nor any credential or key secret, so they are safe to log.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file as the caller named it (a path, or a display name for in-memory YAML).
    public var file: String
    /// 1-based line of the offending node, when the problem has a place in the file.
    public var line: Int?
    /// 1-based column (in Unicode scalars) of the offending node.
    public var column: Int?
    /// Dotted path of the field, e.g. `providers[1].protocol`; empty for file-level problems.
    public var field: String
    /// What is wrong, and where useful what was expected.
    public var message: String

    public init(file: String, line: Int? = nil, column: Int? = nil, field: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.field = field
        self.message = message
    }

    /// `FILE:LINE:COLUMN: FIELD: MESSAGE`; the location and field parts are left out when unknown.
    public var description: String {
        var location = file
        if let line {
            location += ":\(line)"
            if let column { location += ":\(column)" }
        }
        return field.isEmpty ? "\(location): \(message)" : "\(location): \(field): \(message)"
    }
}

/// Every problem found in a config file; the loader reports them all at once, sorted by position.
public struct ConfigErrors: Error, Sendable, Equatable, CustomStringConvertible {
    public var errors: [ConfigError]

    public init(_ errors: [ConfigError]) { self.errors = errors }

    /// One error per line, in file order.
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
