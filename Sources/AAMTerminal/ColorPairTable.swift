/// Curses color pairs allocated on first use, one per (foreground, background) combination the
/// screen actually shows, so a theme never needs more pairs than it has distinct combinations.
public struct ColorPairTable: Sendable {
    public struct Combination: Sendable, Hashable {
        public var foreground: Int
        public var background: Int
    }

    public let capacity: Int
    public private(set) var pairs: [Combination: Int] = [:]

    /// `capacity` is `COLOR_PAIRS`; pair 0 is the terminal's default and is never reassigned.
    public init(capacity: Int) {
        self.capacity = min(capacity, Int(Int16.max))
    }

    /// The pair number for a combination and whether it is new (the caller must `init_pair` it).
    /// Returns pair 0 when the terminal has no pairs left: the text still shows, uncolored.
    public mutating func pair(foreground: Int, background: Int) -> (number: Int, isNew: Bool) {
        let key = Combination(foreground: foreground, background: background)
        if let number = pairs[key] { return (number, false) }
        let number = pairs.count + 1
        guard number < capacity else { return (0, false) }
        pairs[key] = number
        return (number, true)
    }

    public mutating func removeAll() { pairs.removeAll() }
}
