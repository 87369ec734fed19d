import AAMProviders

/// `WireJSON`, the translators' parser and serializer.
///
/// Invariants: parse → serialize → parse gives an equal value, and serializing that again gives
/// the same bytes (the serializer's output is a fixed point); the sorted-keys form parses to an
/// equal value too.
enum WireJSONTarget {
    static let target = FuzzTarget.wireJSON

    static func run(_ input: [UInt8]) throws(InvariantViolation) {
        guard let value = try? WireJSON.parse(input) else { return }
        let first = value.serialized()
        let reparsed: WireJSON
        do { reparsed = try WireJSON.parse(first) } catch {
            throw InvariantViolation(target.rawValue, "its own output does not parse (\(error)): \(excerpt(first, limit: 400))")
        }
        try check(reparsed == value, target, "parse → serialize → parse changed the value: \(excerpt(first, limit: 400))")
        let second = reparsed.serialized()
        try check(second == first, target, "serialization is not a fixed point: \(excerpt(first)) vs \(excerpt(second))")
        let sorted = value.serialized(sortedKeys: true)
        try check((try? WireJSON.parse(sorted)) == value, target, "the sorted-keys form reads differently: \(excerpt(sorted, limit: 400))")
    }
}
