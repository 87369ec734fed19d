import Foundation

/// A validator a custom detector can ask for, run on the regular-expression match.
public enum GuardrailValidator: String, Sendable, Hashable, Codable, CaseIterable {
    /// The digits of the match pass the Luhn check (card-like numbers).
    case luhn
    /// The letters and digits of the match pass the IBAN mod-97 check.
    case mod97
}

/// A detector declared in config: a name, a regular expression and an optional validator.
public struct CustomDetector: Sendable, Hashable, Codable {
    /// Becomes the detector name in policies and evidence and, upper-cased, the placeholder.
    public var name: String
    /// ICU regular expression syntax (`NSRegularExpression`).
    public var pattern: String
    /// Checked on the pattern's first capture group if it has one (so `ref:([A-Z0-9]+)` can
    /// validate the part after a label), else on the whole match.
    public var validator: GuardrailValidator?
    /// Match regardless of case.
    public var caseInsensitive: Bool

    public init(name: String, pattern: String, validator: GuardrailValidator? = nil, caseInsensitive: Bool = false) {
        self.name = name
        self.pattern = pattern
        self.validator = validator
        self.caseInsensitive = caseInsensitive
    }

    private enum CodingKeys: String, CodingKey { case name, pattern, validator, caseInsensitive }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        pattern = try c.decode(String.self, forKey: .pattern)
        validator = try c.decodeIfPresent(GuardrailValidator.self, forKey: .validator)
        caseInsensitive = try c.decodeIfPresent(Bool.self, forKey: .caseInsensitive) ?? false
    }
}

/// Every regular-expression detector of a policy (custom detectors and `/…/` denylist
/// entries) fused into one alternation, so they cost one regex pass together, not one each.
///
/// Measured with `scripts/bench-guardrails` (swiftc -O, one core of the 2-core dev machine, 3 MB
/// of chat text): one e-mail pattern alone runs at ~10–15 MB/s in NSRegularExpression and
/// ~4–6 MB/s in Swift Regex, against ~0.9–1.4 GB/s for the byte scanner's e-mail check and
/// ~220–330 MB/s for all fourteen built-in detectors together. Regex is 20–100x too slow for
/// the hot path, so built-in detectors never use it; this pass runs only when a policy
/// declares patterns (default set + two patterns: ~75–110 MB/s).
struct PatternSet: @unchecked Sendable {
    // @unchecked: NSRegularExpression is immutable after init and documented thread-safe for
    // matching; it is only not annotated Sendable on every platform.
    private let regex: NSRegularExpression
    /// Per alternative: its detector, the capture group that marks it, its validator.
    private let alternatives: [(detector: GuardrailDetector, group: Int, validator: GuardrailValidator?, validated: Int)]

    struct Entry {
        var detector: GuardrailDetector
        var pattern: String
        var caseInsensitive: Bool
        var validator: GuardrailValidator?
        /// Where the pattern came from, for the error message (`customDetectors.badge`).
        var field: String
    }

    /// nil when there are no entries. Throws naming the field of the first invalid pattern.
    init?(_ entries: [Entry]) throws(GuardrailConfigError) {
        guard !entries.isEmpty else { return nil }
        var parts: [String] = []
        var alternatives: [(GuardrailDetector, Int, GuardrailValidator?, Int)] = []
        var group = 1
        for entry in entries {
            if let problem = RegexSafety.problem(entry.pattern) {
                throw GuardrailConfigError(field: entry.field, message: "unsafe regular expression: it \(problem)")
            }
            let single: NSRegularExpression
            do {
                single = try NSRegularExpression(pattern: entry.pattern)
            } catch {
                throw GuardrailConfigError(field: entry.field, message: "invalid regular expression")
            }
            alternatives.append((entry.detector, group, entry.validator, single.numberOfCaptureGroups > 0 ? group + 1 : group))
            parts.append("(" + (entry.caseInsensitive ? "(?i:" + entry.pattern + ")" : "(?:" + entry.pattern + ")") + ")")
            group += 1 + single.numberOfCaptureGroups
        }
        do {
            self.regex = try NSRegularExpression(pattern: parts.joined(separator: "|"))
        } catch {
            throw GuardrailConfigError(field: entries[0].field, message: "invalid regular expression")
        }
        self.alternatives = alternatives
    }

    /// Matches in `text` as UTF-8 byte ranges, validators applied.
    func matches(in text: String, into out: inout [GuardrailMatch]) {
        let utf8 = text.utf8
        for result in regex.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
            for alternative in alternatives {
                let groupRange = result.range(at: alternative.group)
                guard groupRange.location != NSNotFound, groupRange.length > 0,
                    let range = Range(groupRange, in: text)
                else { continue }
                let lower = utf8.distance(from: utf8.startIndex, to: range.lowerBound)
                let upper = lower + utf8.distance(from: range.lowerBound, to: range.upperBound)
                if let validator = alternative.validator {
                    let checked = result.range(at: alternative.validated)
                    guard checked.location != NSNotFound, let checkedRange = Range(checked, in: text),
                        Self.validate(utf8[checkedRange.lowerBound..<checkedRange.upperBound], validator)
                    else { break }
                }
                out.append(GuardrailMatch(detector: alternative.detector, range: lower..<upper))
                break
            }
        }
    }

    private static func validate(_ bytes: Substring.UTF8View, _ validator: GuardrailValidator) -> Bool {
        switch validator {
        case .luhn:
            let digits = Array(bytes.filter(ASCII.isDigit))
            return digits.count >= 2 && digits.withUnsafeBufferPointer { Checksums.luhn(ScanBuffer(base: $0), 0..<$0.count) }
        case .mod97:
            return Checksums.mod97(bytes.filter(ASCII.isAlnum))
        }
    }
}

/// A policy or config value the guardrail engine cannot use, naming the field at fault (never
/// echoing a secret: patterns are named by field, not quoted).
public struct GuardrailConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Dotted path of the bad value, e.g. `request.emial` or `customDetectors[0].pattern`.
    public var field: String
    public var message: String
    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }
    public var description: String { "\(field): \(message)" }
}
