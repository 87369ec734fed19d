/// Checks that a field names something declared, suggesting the closest declared name.
enum ReferenceCheck {
    /// Whether `reference` is among `names`; reports "unknown KIND 'x'" when it is not.
    @discardableResult
    static func resolve(
        _ reference: ScalarValue, in names: some Collection<String>, kind: String, plural: String,
        context: DecodingContext
    ) -> Bool {
        guard !names.contains(reference.text) else { return true }
        let sorted = names.sorted()
        let hint: String
        if let suggestion = ClosestMatch.suggestion(for: reference.text, among: sorted) {
            hint = " (did you mean '\(suggestion)'?)"
        } else if sorted.isEmpty {
            hint = " (no \(plural) are declared)"
        } else {
            hint = " (declared \(plural): \(sorted.joined(separator: ", ")))"
        }
        context.report(reference.path, at: reference.mark, "unknown \(kind) \(reference.display)\(hint)")
        return false
    }
}
