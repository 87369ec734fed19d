import AAMCore

/// The rule for caller-chosen identifiers (`AAMCore.Slug`), stated the way errors explain it.
enum SlugRule {
    static let explanation = "1-64 letters, digits, '-', '_' or '.', starting with a letter or digit"

    /// Whether `scalar` is a valid slug; reports the problem when it is not.
    static func check(_ scalar: ScalarValue, context: DecodingContext) -> Bool {
        guard !Slug.isValid(scalar.text) else { return true }
        context.report(scalar.path, at: scalar.mark, "invalid identifier \(scalar.display) (expected \(explanation))")
        return false
    }
}
