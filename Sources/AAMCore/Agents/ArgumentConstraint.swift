import Foundation

/// A condition on one argument of a tool call, attached to a granted action: "amount below
/// 1000", "only these record types", "currency is USD", "reference looks like INV-123456".
///
/// A missing argument, or one of the wrong JSON type (a string where a number is expected),
/// fails the constraint: a grant narrowed by a condition never applies when the condition
/// cannot be checked.
public struct ArgumentConstraint: Sendable, Hashable, CustomStringConvertible {
    /// Which argument (`amount`, `record.type`).
    public var argument: ArgumentPath
    public var test: Test

    public enum Test: Sendable, Hashable {
        /// The argument equals the value (same JSON type).
        case equals(ConstraintValue)
        /// The argument equals one of the values.
        case oneOf([ConstraintValue])
        /// The argument is a number within the bounds (inclusive); at least one bound is set.
        case range(min: Double?, max: Double?)
        /// The argument is a string matched entirely by the pattern.
        case pattern(ArgumentPattern)
    }

    public init(argument: ArgumentPath, test: Test) {
        self.argument = argument
        self.test = test
    }

    /// The stable machine-readable form used in reason codes: `amount<=1000`, `0<=amount<=1000`,
    /// `currency==USD`, `record.type:oneOf(invoice,credit_note)`, `reference:pattern(INV-[0-9]+)`.
    public var description: String {
        let name = argument.description
        switch test {
        case .equals(let value): return "\(name)==\(value)"
        case .oneOf(let values): return "\(name):oneOf(\(values.map(\.description).joined(separator: ",")))"
        case .range(let min?, let max?): return "\(NumberText.format(min))<=\(name)<=\(NumberText.format(max))"
        case .range(let min?, nil): return "\(name)>=\(NumberText.format(min))"
        case .range(nil, let max?): return "\(name)<=\(NumberText.format(max))"
        case .range(nil, nil): return "\(name):number"
        case .pattern(let pattern): return "\(name):pattern(\(pattern.source))"
        }
    }

    /// Whether the call's `arguments` (a JSON object) satisfy the constraint.
    public func isSatisfied(by arguments: JSONValue?) -> Bool {
        guard let value = argument.value(in: arguments) else { return false }
        switch test {
        case .equals(let expected): return expected.matches(value)
        case .oneOf(let allowed): return allowed.contains { $0.matches(value) }
        case .range(let min, let max):
            guard case .number(let number) = value else { return false }
            if let min, number < min { return false }
            if let max, number > max { return false }
            return true
        case .pattern(let pattern):
            guard case .string(let text) = value else { return false }
            return pattern.matchesEntirely(text)
        }
    }
}

/// A dotted path into a tool call's arguments: `amount`, `record.type`.
public struct ArgumentPath: Sendable, Hashable, CustomStringConvertible {
    public let segments: [String]

    /// Splits `text` on `.`; throws when a segment is empty or holds a character outside
    /// `[A-Za-z0-9_-]`.
    public init(_ text: String) throws(ArgumentPathError) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        for part in parts {
            guard !part.isEmpty else { throw .emptySegment }
            guard part.utf8.allSatisfy(Self.isNameByte) else { throw .invalidCharacter }
        }
        self.segments = parts
    }

    public var description: String { segments.joined(separator: ".") }

    /// The value at this path, or nil when a step is missing or not an object.
    public func value(in arguments: JSONValue?) -> JSONValue? {
        var current = arguments
        for segment in segments {
            guard case .object(let object)? = current else { return nil }
            current = object[segment]
        }
        if case .null? = current { return nil }
        return current
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
            return true
        default: return false
        }
    }
}

/// Why an argument path is refused.
public enum ArgumentPathError: Error, Sendable, Hashable, CustomStringConvertible {
    case emptySegment
    case invalidCharacter

    public var description: String {
        switch self {
        case .emptySegment: return "path segments must not be empty (write 'record.type')"
        case .invalidCharacter: return "path segments may only hold letters, digits, '_' and '-', separated by '.'"
        }
    }
}

/// A scalar a constraint compares with: the YAML/JSON type is kept, so `"1000"` never equals `1000`.
public enum ConstraintValue: Sendable, Hashable, CustomStringConvertible {
    case string(String)
    case number(Double)
    case bool(Bool)

    public var description: String {
        switch self {
        case .string(let text): return text
        case .number(let number): return NumberText.format(number)
        case .bool(let flag): return flag ? "true" : "false"
        }
    }

    func matches(_ value: JSONValue) -> Bool {
        switch (self, value) {
        case (.string(let expected), .string(let actual)): return expected == actual
        case (.number(let expected), .number(let actual)): return expected == actual
        case (.bool(let expected), .bool(let actual)): return expected == actual
        default: return false
        }
    }
}

/// Numbers as policies and reason codes show them: `1000`, not `1000.0`.
enum NumberText {
    static func format(_ number: Double) -> String {
        if number == number.rounded(), abs(number) < 1e15 { return String(Int64(number)) }
        return String(number)
    }
}
