/// The accepted range of a numeric field and how an error message states it.
enum NumericBounds<Value: Comparable & Sendable>: Sendable {
    /// `value >= lower`
    case atLeast(Value)
    /// `value > lower`
    case above(Value)
    /// `lower <= value <= upper`
    case between(Value, Value)

    func contains(_ value: Value) -> Bool {
        switch self {
        case .atLeast(let lower): return value >= lower
        case .above(let lower): return value > lower
        case .between(let lower, let upper): return lower <= value && value <= upper
        }
    }

    /// e.g. "must be >= 0", "must be between 0 and 10".
    var requirement: String {
        switch self {
        case .atLeast(let lower): return "must be >= \(Self.format(lower))"
        case .above(let lower): return "must be > \(Self.format(lower))"
        case .between(let lower, let upper): return "must be between \(Self.format(lower)) and \(Self.format(upper))"
        }
    }

    /// Whole doubles print without a fraction ("between 0 and 1", not "0.0 and 1.0").
    private static func format(_ value: Value) -> String {
        if let double = value as? Double, double == double.rounded(), abs(double) < 1e15 { return String(Int(double)) }
        return "\(value)"
    }
}
