import Foundation

/// A regular expression (ICU syntax) that must match a whole argument value: it is anchored
/// at both ends whatever the author wrote, so `[0-9]+` never passes `12; DROP TABLE`.
///
/// The value comes from the agent, which may be steered by a prompt injection, so matching
/// must stay cheap whatever it sends: patterns that nest quantifiers (`(a+)+`, `(\w*x)*`), the
/// classic source of exponential backtracking, are refused when the policy is loaded, and a
/// value longer than `maximumInputLength` bytes never matches. The rule is syntactic, so it also
/// refuses some safe patterns (`[a-z]+(-[a-z]+)*`: bound one repetition, `{1,64}`), and it does
/// not see overlapping alternatives (`(a|a)*`): policy authors still own their patterns.
public struct ArgumentPattern: @unchecked Sendable, Hashable {
    // @unchecked: NSRegularExpression is immutable after init and documented thread-safe for
    // matching; it is only not annotated Sendable on every platform.
    /// The pattern as written.
    public let source: String
    private let regex: NSRegularExpression

    /// Longer values fail the constraint without being matched.
    public static let maximumInputLength = 4096

    /// Compiles `source`; throws when it is empty, not a valid regular expression, or nests
    /// quantifiers.
    public init(_ source: String) throws(ArgumentPatternError) {
        guard !source.isEmpty else { throw .empty }
        do {
            // Compiled alone first: a valid pattern has balanced groups, so the anchors added
            // around it cannot be escaped by a `)|(` in the source.
            _ = try NSRegularExpression(pattern: source)
            regex = try NSRegularExpression(pattern: "\\A(?:" + source + ")\\z")
        } catch {
            throw .invalid
        }
        if Self.nestsQuantifiers(source) { throw .nestedQuantifier }
        self.source = source
    }

    public func matchesEntirely(_ text: String) -> Bool {
        guard text.utf8.count <= Self.maximumInputLength else { return false }
        return regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    public static func == (lhs: ArgumentPattern, rhs: ArgumentPattern) -> Bool { lhs.source == rhs.source }
    public func hash(into hasher: inout Hasher) { hasher.combine(source) }

    /// Whether a group that holds an unbounded quantifier (`*`, `+`, `{n,}`) is itself repeated
    /// by one. Escapes and character classes are skipped; `?` and `{n}`/`{n,m}` count as bounded.
    static func nestsQuantifiers(_ source: String) -> Bool {
        let scalars = Array(source.unicodeScalars)
        // For each open group: whether an unbounded quantifier appeared inside it.
        var groups: [Bool] = []
        var index = 0
        var lastClosedGroupRepeats = false
        while index < scalars.count {
            let scalar = scalars[index]
            var closedGroupRepeats = false
            switch scalar {
            case "\\":
                index += 1
            case "[":
                index = endOfClass(scalars, from: index)
            case "(":
                groups.append(false)
            case ")":
                closedGroupRepeats = groups.popLast() ?? false
                // What the closed group held also lies inside the enclosing group.
                if closedGroupRepeats, !groups.isEmpty { groups[groups.count - 1] = true }
            case "*", "+", "{":
                let unbounded = scalar != "{" || isUnboundedBrace(scalars, from: index)
                if unbounded {
                    if lastClosedGroupRepeats { return true }
                    if !groups.isEmpty { groups[groups.count - 1] = true }
                }
            default:
                break
            }
            lastClosedGroupRepeats = closedGroupRepeats
            index += 1
        }
        return false
    }

    /// The index of the `]` closing the class that opens at `start` (or the last index).
    private static func endOfClass(_ scalars: [Unicode.Scalar], from start: Int) -> Int {
        var index = start + 1
        if index < scalars.count, scalars[index] == "^" { index += 1 }
        if index < scalars.count, scalars[index] == "]" { index += 1 }  // a leading ] is literal
        while index < scalars.count {
            if scalars[index] == "\\" {
                index += 2
                continue
            }
            if scalars[index] == "[" {
                index = endOfClass(scalars, from: index) + 1
                continue
            }
            if scalars[index] == "]" { return index }
            index += 1
        }
        return scalars.count - 1
    }

    /// `{n,}` (no upper bound) starting at `start`.
    private static func isUnboundedBrace(_ scalars: [Unicode.Scalar], from start: Int) -> Bool {
        var index = start + 1
        while index < scalars.count, scalars[index] != "}" {
            if scalars[index] == ",", index + 1 < scalars.count, scalars[index + 1] == "}" { return true }
            index += 1
        }
        return false
    }
}

/// Why a pattern is refused.
public enum ArgumentPatternError: Error, Sendable, Hashable, CustomStringConvertible {
    case empty
    case invalid
    case nestedQuantifier

    public var description: String {
        switch self {
        case .empty: return "must not be empty"
        case .invalid: return "is not a valid regular expression"
        case .nestedQuantifier:
            return "repeats without bound a group that itself repeats without bound (like (a+)+), which can take "
                + "exponential time on a hostile value; bound one of them, e.g. {1,64}"
        }
    }
}
