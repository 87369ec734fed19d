import Yams

/// What one load shares while it walks the document: the file name, the environment for
/// `${NAME}` and the problems found so far.
///
/// A reference type because every reader reports into the same list; it lives for one
/// synchronous `ConfigLoader.load` call and never crosses an isolation boundary.
final class DecodingContext {
    let file: String
    let environment: [String: String]
    private(set) var errors: [ConfigError] = []

    init(file: String, environment: [String: String]) {
        self.file = file
        self.environment = environment
    }

    /// Records a problem with the field at `path`, placed at `mark` when known.
    func report(_ path: FieldPath, at mark: Mark?, _ message: String) {
        errors.append(
            ConfigError(file: file, line: mark?.line, column: mark?.column, field: path.description, message: message)
        )
    }

    /// Whether a problem was already reported for `path`, so a follow-up check can stay quiet.
    func hasReported(_ path: FieldPath) -> Bool {
        errors.contains { $0.field == path.description }
    }

    /// The problems in file order (line, then column; ties keep the order they were found in).
    var sortedErrors: [ConfigError] {
        errors.enumerated().sorted { lhs, rhs in
            let left = (lhs.element.line ?? 0, lhs.element.column ?? 0, lhs.offset)
            let right = (rhs.element.line ?? 0, rhs.element.column ?? 0, rhs.offset)
            return left < right
        }.map(\.element)
    }
}
