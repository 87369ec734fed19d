/// "Did you mean …?" suggestions for misspelled field names and references.
enum ClosestMatch {
    /// The candidate closest to `word` (case-insensitively, by edit distance), if close enough
    /// to be a plausible typo: at most a third of the word's length, and at least 2 edits allowed.
    static func suggestion(for word: String, among candidates: some Sequence<String>) -> String? {
        let target = Array(word.lowercased().unicodeScalars)
        let limit = max(2, target.count / 3)
        var best: (candidate: String, distance: Int)?
        for candidate in candidates where candidate != word {
            let distance = editDistance(target, Array(candidate.lowercased().unicodeScalars))
            guard distance <= limit, distance < max(target.count, 1) else { continue }
            if distance < best?.distance ?? .max { best = (candidate, distance) }
        }
        return best?.candidate
    }

    /// `" (did you mean 'x'?)"`, or `fallback` when nothing is close.
    static func hint(for word: String, among candidates: [String], otherwise fallback: String = "") -> String {
        suggestion(for: word, among: candidates).map { " (did you mean '\($0)'?)" } ?? fallback
    }

    /// Levenshtein distance (insertions, deletions and substitutions each cost 1).
    static func editDistance(_ lhs: [Unicode.Scalar], _ rhs: [Unicode.Scalar]) -> Int {
        if lhs.isEmpty { return rhs.count }
        if rhs.isEmpty { return lhs.count }
        var previous = Array(0...rhs.count)
        var current = [Int](repeating: 0, count: rhs.count + 1)
        for (i, left) in lhs.enumerated() {
            current[0] = i + 1
            for (j, right) in rhs.enumerated() {
                let substitution = previous[j] + (left == right ? 0 : 1)
                current[j + 1] = min(substitution, previous[j + 1] + 1, current[j] + 1)
            }
            swap(&previous, &current)
        }
        return previous[rhs.count]
    }
}
