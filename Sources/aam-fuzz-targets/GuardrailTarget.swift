import AAMCore

/// `GuardrailScanner`, which reads every prompt and completion with hand-written byte matchers
/// over unsafe buffers (bounds unchecked in a release build: run it with `scripts/fuzz --asan`).
///
/// Invariants: nothing traps or reads out of bounds; every match lies inside the text, in start
/// order; built-in matches never overlap each other; scanning is deterministic.
enum GuardrailTarget {
    static let target = FuzzTarget.guardrails
    /// Every built-in detector and a few denylist keywords (the regex-free configuration: the
    /// byte loop is what is fuzzed here).
    static let scanner: GuardrailScanner? = try? GuardrailScanner(
        detectors: GuardrailDetector.builtIn, denylist: ["confidential", "project falcon", "ü-key"])

    static func run(_ input: [UInt8]) throws(InvariantViolation) {
        guard let scanner else { throw InvariantViolation(target.rawValue, "the scanner did not build") }
        let text = String(decoding: input, as: UTF8.self)
        let length = text.utf8.count
        let matches = scanner.scan(text)
        var previousStart = 0
        var builtInEnd = 0
        for match in matches {
            try check(match.range.lowerBound >= 0 && match.range.upperBound <= length && !match.range.isEmpty, target,
                "\(match.detector) match \(match.range) outside the \(length)-byte text")
            try check(match.range.lowerBound >= previousStart, target, "matches out of order at \(match.range)")
            previousStart = match.range.lowerBound
            if match.detector != .denylist, GuardrailDetector.builtInPatterns.contains(match.detector) {
                try check(match.range.lowerBound >= builtInEnd, target, "built-in \(match.detector) match \(match.range) overlaps an earlier one")
                builtInEnd = match.range.upperBound
            }
        }
        try check(scanner.scan(text) == matches, target, "two scans of the same text differ")
    }
}
