/// The registration-time guard against catastrophic backtracking in operator-supplied guardrail
/// patterns (ICU backtracks, and `NSRegularExpression` offers no step or time budget here).
///
/// Refused, each with a clear reason: patterns longer than `maxLength`; backreferences (`\1`,
/// `\k<name>`), which force backtracking; and nested quantifiers, a group that repeats a
/// variable number of times (`*`, `+`, `{n,}`, `{n,m}`) around something that itself repeats
/// (`(a+)+$`, `(\w+\s?)*$`, `(?:x*y?)+`): the classic exponential shapes. A fixed count
/// (`(ab+){3}`) and `?` are allowed. Pure: no regex engine is run to decide.
public enum RegexSafety {
    public static let maxLength = 512

    /// Why `pattern` is refused, or nil.
    public static func problem(_ pattern: String) -> String? {
        let chars = Array(pattern)
        if chars.count > maxLength { return "is longer than \(maxLength) characters" }
        // Per open group: whether its body holds a repetition.
        var groups: [Bool] = []
        var i = 0
        while i < chars.count {
            let c = chars[i]
            switch c {
            case "\\":
                guard i + 1 < chars.count else { return nil }
                let next = chars[i + 1]
                if next.isNumber, next != "0" { return "uses a backreference (\\\(next)), which can backtrack without bound" }
                if next == "k" { return "uses a named backreference (\\k), which can backtrack without bound" }
                if next == "Q" {
                    // A literal run up to \E.
                    var j = i + 2
                    while j + 1 < chars.count, !(chars[j] == "\\" && chars[j + 1] == "E") { j += 1 }
                    i = j + 2
                    continue
                }
                i += 2
                if let length = quantifier(chars, at: i), isVariable(chars, at: i) {
                    markRepeat(&groups)
                    i += length
                }
                continue
            case "[":
                i = endOfClass(chars, from: i)
                if let length = quantifier(chars, at: i), isVariable(chars, at: i) {
                    markRepeat(&groups)
                    i += length
                }
                continue
            case "(":
                groups.append(false)
                i += 1
                continue
            case ")":
                let inner = groups.popLast() ?? false
                i += 1
                if let length = quantifier(chars, at: i), isVariable(chars, at: i) {
                    if inner { return "nests a repeated group inside a repetition (like (a+)+), which can backtrack exponentially" }
                    markRepeat(&groups)
                    i += length
                } else if inner {
                    markRepeat(&groups)
                }
                continue
            default:
                i += 1
                if let length = quantifier(chars, at: i), isVariable(chars, at: i) {
                    markRepeat(&groups)
                    i += length
                }
            }
        }
        return nil
    }

    private static func markRepeat(_ groups: inout [Bool]) {
        if !groups.isEmpty { groups[groups.count - 1] = true }
    }

    /// The index just past the character class opening at `start`.
    private static func endOfClass(_ chars: [Character], from start: Int) -> Int {
        var j = start + 1
        if j < chars.count, chars[j] == "^" { j += 1 }
        if j < chars.count, chars[j] == "]" { j += 1 }
        var depth = 1
        while j < chars.count {
            if chars[j] == "\\" { j += 2; continue }
            if chars[j] == "[" { depth += 1 }
            if chars[j] == "]" {
                depth -= 1
                if depth == 0 { return j + 1 }
            }
            j += 1
        }
        return chars.count
    }

    /// The length of the quantifier at `index` (with a lazy or possessive suffix), or nil.
    private static func quantifier(_ chars: [Character], at index: Int) -> Int? {
        guard index < chars.count else { return nil }
        var length: Int
        switch chars[index] {
        case "*", "+", "?": length = 1
        case "{":
            guard let close = chars[index...].firstIndex(of: "}"), chars[(index + 1)..<close].allSatisfy({ $0.isNumber || $0 == "," }),
                close > index + 1
            else { return nil }
            length = close - index + 1
        default: return nil
        }
        if index + length < chars.count, chars[index + length] == "?" || chars[index + length] == "+" { length += 1 }
        return length
    }

    /// Whether the quantifier at `index` repeats a variable, more-than-one number of times.
    private static func isVariable(_ chars: [Character], at index: Int) -> Bool {
        switch chars[index] {
        case "*", "+": return true
        case "?": return false
        default:
            guard let close = chars[index...].firstIndex(of: "}") else { return false }
            let body = String(chars[(index + 1)..<close])
            guard let comma = body.firstIndex(of: ",") else { return false }
            let upper = body[body.index(after: comma)...]
            guard let high = Int(upper) else { return true }  // {n,}
            let low = Int(body[..<comma]) ?? 0
            return high > low
        }
    }
}
