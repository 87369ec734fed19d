/// An exact amount of US dollars, counted in whole nano-dollars (10⁻⁹ USD) in an `Int64`.
///
/// Guarantees:
/// - never floating point: parsing, formatting and arithmetic are exact integer operations;
/// - range ±9,223,372,036.854775807 USD; every operation that could leave it throws
///   `MoneyError.overflow` instead of trapping or wrapping (the `saturating…` variants clamp);
/// - the only rounding anywhere is in `forTokens(_:perMillion:)` (and therefore in
///   `PriceTable.cost`): a fraction of a nano-dollar is rounded **up**, so a bill is never
///   below the exact price and many tiny calls can never add up to free usage.
///
/// Encodes as its decimal string (`"12.5"` -> `"12.50"`) so persisted spend stays exact.
public struct Money: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The amount in nano-dollars (10⁻⁹ USD).
    public let nanos: Int64

    /// Nano-dollars per dollar.
    public static let nanosPerDollar: Int64 = 1_000_000_000
    /// The number of fraction digits `Money` keeps exactly.
    public static let fractionDigits = 9

    public static let zero = Money(nanos: 0)
    public static let max = Money(nanos: .max)

    public init(nanos: Int64) { self.nanos = nanos }

    /// Whole dollars; throws when out of range.
    public init(dollars: Int64) throws(MoneyError) {
        let (value, overflow) = dollars.multipliedReportingOverflow(by: Self.nanosPerDollar)
        if overflow { throw .overflow }
        self.nanos = value
    }

    public static func < (lhs: Money, rhs: Money) -> Bool { lhs.nanos < rhs.nanos }

    public var isNegative: Bool { nanos < 0 }

    // MARK: Arithmetic

    public func adding(_ other: Money) throws(MoneyError) -> Money {
        let (value, overflow) = nanos.addingReportingOverflow(other.nanos)
        if overflow { throw .overflow }
        return Money(nanos: value)
    }

    public func subtracting(_ other: Money) throws(MoneyError) -> Money {
        let (value, overflow) = nanos.subtractingReportingOverflow(other.nanos)
        if overflow { throw .overflow }
        return Money(nanos: value)
    }

    public func multiplied(by factor: Int64) throws(MoneyError) -> Money {
        let (value, overflow) = nanos.multipliedReportingOverflow(by: factor)
        if overflow { throw .overflow }
        return Money(nanos: value)
    }

    /// `self + other`, clamped to the representable range (counters never wrap).
    public func saturatingAdding(_ other: Money) -> Money {
        let (value, overflow) = nanos.addingReportingOverflow(other.nanos)
        guard overflow else { return Money(nanos: value) }
        return Money(nanos: other.nanos > 0 ? .max : .min)
    }

    /// `self - other`, clamped to the representable range.
    public func saturatingSubtracting(_ other: Money) -> Money {
        let (value, overflow) = nanos.subtractingReportingOverflow(other.nanos)
        guard overflow else { return Money(nanos: value) }
        return Money(nanos: other.nanos < 0 ? .max : .min)
    }

    /// The price of `tokens` tokens at `perMillion` per million tokens, rounded **up** to the
    /// next nano-dollar. Exact: `tokens × perMillion` is computed in 128 bits before dividing.
    ///
    /// Throws `.negative` for a negative token count or price, `.overflow` when out of range.
    public static func forTokens(_ tokens: Int, perMillion: Money) throws(MoneyError) -> Money {
        try forTokenSum([(tokens, perMillion)])
    }

    /// Σ tokensᵢ × priceᵢ / 10⁶, with a single round-up at the end (so splitting a bill into
    /// parts never rounds more than once).
    static func forTokenSum(_ terms: [(tokens: Int, perMillion: Money)]) throws(MoneyError) -> Money {
        var total: Int64 = 0  // nano-dollar-tokens per million, i.e. nanos × 10⁶
        for term in terms {
            guard term.tokens >= 0, term.perMillion.nanos >= 0 else { throw .negative }
            let (product, productOverflow) = Int64(term.tokens).multipliedReportingOverflow(by: term.perMillion.nanos)
            if productOverflow { throw .overflow }
            let (sum, sumOverflow) = total.addingReportingOverflow(product)
            if sumOverflow { throw .overflow }
            total = sum
        }
        let (quotient, remainder) = total.quotientAndRemainder(dividingBy: 1_000_000)
        return Money(nanos: remainder > 0 ? quotient + 1 : quotient)
    }

    // MARK: Text

    /// Parses a plain decimal dollar amount: optional `-`, digits, optionally `.` and up to nine
    /// fraction digits (`"12.50"`, `"0.000015"`, `"3"`, `".5"`). No `$`, exponent, grouping or
    /// spaces; more than nine fraction digits is an error rather than a silent rounding, unless
    /// the extra digits are zeros.
    public init(parsing text: String) throws(MoneyError) {
        var bytes = Substring(text).utf8[...]
        var negative = false
        if bytes.first == UInt8(ascii: "-") {
            negative = true
            bytes = bytes.dropFirst()
        }
        guard !bytes.isEmpty else { throw .invalid(text) }
        var whole: Int64 = 0
        var fraction: Int64 = 0
        var fractionCount = 0
        var sawDot = false
        var digitCount = 0
        for byte in bytes {
            if byte == UInt8(ascii: ".") {
                if sawDot { throw .invalid(text) }
                sawDot = true
                continue
            }
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { throw .invalid(text) }
            let digit = Int64(byte - UInt8(ascii: "0"))
            digitCount += 1
            if sawDot {
                if fractionCount == Self.fractionDigits {
                    if digit != 0 { throw .tooPrecise(text) }
                    continue
                }
                fraction = fraction * 10 + digit
                fractionCount += 1
            } else {
                let (shifted, o1) = whole.multipliedReportingOverflow(by: 10)
                let (added, o2) = shifted.addingReportingOverflow(digit)
                if o1 || o2 { throw .overflow }
                whole = added
            }
        }
        guard digitCount > 0 else { throw .invalid(text) }
        for _ in fractionCount..<Self.fractionDigits { fraction *= 10 }
        let (scaled, o1) = whole.multipliedReportingOverflow(by: Self.nanosPerDollar)
        let (total, o2) = scaled.addingReportingOverflow(fraction)
        if o1 || o2 { throw .overflow }
        self.nanos = negative ? -total : total
    }

    /// Dollars with at least two and at most nine fraction digits, no trailing zeros beyond
    /// two: `"12.50"`, `"0.000015"`, `"-3.00"`. `Money(parsing: m.description) == m` always.
    public var description: String {
        let magnitude = nanos.magnitude
        let whole = magnitude / UInt64(Self.nanosPerDollar)
        var fraction = String(magnitude % UInt64(Self.nanosPerDollar))
        fraction = String(repeating: "0", count: Self.fractionDigits - fraction.count) + fraction
        while fraction.count > 2, fraction.hasSuffix("0") { fraction.removeLast() }
        return (nanos < 0 ? "-" : "") + "\(whole).\(fraction)"
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { self = try Money(parsing: text) } catch {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Why a `Money` operation failed.
public enum MoneyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Not a plain decimal number.
    case invalid(String)
    /// More than nine non-zero fraction digits.
    case tooPrecise(String)
    /// The result is outside ±9,223,372,036.854775807 USD.
    case overflow
    /// A negative token count or price where only non-negative ones make sense.
    case negative

    public var description: String {
        switch self {
        case .invalid(let text): "'\(text)' is not a decimal dollar amount such as 12.50"
        case .tooPrecise(let text): "'\(text)' has more than 9 fraction digits"
        case .overflow: "amount out of range"
        case .negative: "negative token count or price"
        }
    }
}
