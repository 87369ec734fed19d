import AAMCore

/// A JSON value as it travels on the wire.
///
/// Unlike `JSONSerialization` it keeps object key order (tool JSON schemas list properties in
/// the order models should fill them) and number literals exactly as written (no `1` → `1.0`
/// drift, no Bool/NSNumber confusion on Linux), so a parse → edit → serialize cycle stays
/// as close to the original bytes as JSON allows.
public enum WireJSON: Sendable {
    case null
    case bool(Bool)
    /// A number, kept as its literal text (always valid JSON number syntax).
    case number(String)
    case string(String)
    case array([WireJSON])
    case object(WireJSONObject)

    /// A number value from an integer.
    public static func int(_ value: Int) -> WireJSON { .number(String(value)) }

    /// A number value from a double; non-finite values (not representable in JSON) become `null`.
    public static func double(_ value: Double) -> WireJSON {
        guard value.isFinite else { return .null }
        if value == value.rounded(), abs(value) < 1e15 { return .number(String(Int(value))) }
        return .number(String(value))
    }

    // MARK: Typed views (nil when the value has another type)

    /// The string, when this is a string.
    public var stringValue: String? { if case .string(let s) = self { s } else { nil } }
    /// The boolean, when this is a boolean.
    public var boolValue: Bool? { if case .bool(let b) = self { b } else { nil } }
    /// The object, when this is an object.
    public var objectValue: WireJSONObject? { if case .object(let o) = self { o } else { nil } }
    /// The elements, when this is an array.
    public var arrayValue: [WireJSON]? { if case .array(let a) = self { a } else { nil } }
    /// True for `null`.
    public var isNull: Bool { if case .null = self { true } else { false } }

    /// The number as a Double, when this is a number.
    public var doubleValue: Double? {
        if case .number(let literal) = self { Double(literal) } else { nil }
    }

    /// The number as an Int, when this is a number with an integral value (`3`, `3.0`, `3e0`).
    public var intValue: Int? {
        guard case .number(let literal) = self else { return nil }
        if let exact = Int(literal) { return exact }
        guard let d = Double(literal), d == d.rounded(), abs(d) < 9e15 else { return nil }
        return Int(d)
    }

    /// Member lookup for objects; nil for other types or missing keys.
    public subscript(key: String) -> WireJSON? {
        objectValue?[key]
    }

    /// A short name of the value's type, for error messages.
    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// A JSON object that keeps its members in insertion order.
///
/// Lookups are linear: wire objects have a handful of keys, and order matters more than
/// asymptotics here. With duplicate keys the last one wins, as in JavaScript.
public struct WireJSONObject: Sendable, Sequence, ExpressibleByDictionaryLiteral {
    /// The members in order.
    public private(set) var members: [(key: String, value: WireJSON)]

    /// An empty object.
    public init() { members = [] }

    /// An object from ordered members.
    public init(members: [(key: String, value: WireJSON)]) { self.members = members }

    public init(dictionaryLiteral elements: (String, WireJSON)...) {
        members = elements.map { (key: $0.0, value: $0.1) }
    }

    /// Gets a member by its exact key. Setting one replaces, in place and under `key`'s
    /// spelling, the member whose key is the same under `JSONKeyRule` (escapes decoded, case
    /// folded); setting `nil` removes every such member.
    ///
    /// Why the setter folds: a receiver that folds keys (Go) reads `model` and `MODEL` as one
    /// field, the last one winning, so adding `model` beside a client's `MODEL` would forward
    /// one key twice. Replacing the folded member keeps what is sent to exactly one.
    public subscript(key: String) -> WireJSON? {
        get { members.last(where: { $0.key == key })?.value }
        set {
            let folded = JSONKeyRule.fold(key)
            let sameKey: ((key: String, value: WireJSON)) -> Bool = { $0.key == key || JSONKeyRule.fold($0.key) == folded }
            if let newValue {
                if let i = members.firstIndex(where: sameKey) {
                    members[i] = (key: key, value: newValue)
                    // A parsed object holds no two such keys; one built by hand might.
                    var index = i + 1
                    while index < members.count {
                        if sameKey(members[index]) { members.remove(at: index) } else { index += 1 }
                    }
                } else {
                    members.append((key: key, value: newValue))
                }
            } else {
                members.removeAll(where: sameKey)
            }
        }
    }

    /// The member whose key is the same as `key` under `JSONKeyRule`, whatever its spelling.
    public func value(folding key: String) -> WireJSON? {
        let folded = JSONKeyRule.fold(key)
        return members.last(where: { $0.key == key || JSONKeyRule.fold($0.key) == folded })?.value
    }

    /// Appends a member without checking for an existing key (used by the parser).
    mutating func appendMember(_ key: String, _ value: WireJSON) {
        members.append((key: key, value: value))
    }

    /// The member names in order.
    public var keys: [String] { members.map(\.key) }
    /// Number of members.
    public var count: Int { members.count }
    /// True when the object has no members.
    public var isEmpty: Bool { members.isEmpty }

    public func makeIterator() -> IndexingIterator<[(key: String, value: WireJSON)]> {
        members.makeIterator()
    }
}

// MARK: Literals, so translators can write output objects readably and in wire order.

extension WireJSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByNilLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByFloatLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(nilLiteral: ()) { self = .null }
    public init(arrayLiteral elements: WireJSON...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, WireJSON)...) {
        self = .object(WireJSONObject(members: elements.map { (key: $0.0, value: $0.1) }))
    }
}

// MARK: Structural equality

/// Structural equality: object key order is ignored and numbers compare by value
/// (`1` == `1.0`), which is what "the same JSON" means for golden comparisons.
extension WireJSON: Equatable {
    public static func == (lhs: WireJSON, rhs: WireJSON) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.number(let a), .number(let b)):
            if a == b { return true }
            guard let x = Double(a), let y = Double(b) else { return false }
            return x == y
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)): return a == b
        default: return false
        }
    }
}

extension WireJSONObject: Equatable {
    public static func == (lhs: WireJSONObject, rhs: WireJSONObject) -> Bool {
        let left = Dictionary(lhs.members, uniquingKeysWith: { _, last in last })
        let right = Dictionary(rhs.members, uniquingKeysWith: { _, last in last })
        return left == right
    }
}
