import Foundation

/// What a routing strategy knows about one available deployment: its configured weight and
/// its live load. Choosers work on arrays of these and answer with indices, so they stay pure
/// and testable without a registry.
public struct RoutingCandidate: Sendable, Hashable {
    /// Relative share of traffic (`Deployment.weight`); 0 means "only when nothing else".
    public var weight: Int
    /// Attempts begun and not finished.
    public var inFlight: Int
    /// Latency average in seconds, `nil` until measured.
    public var latencySeconds: Double?

    public init(weight: Int = 1, inFlight: Int = 0, latencySeconds: Double? = nil) {
        self.weight = weight
        self.inFlight = inFlight
        self.latencySeconds = latencySeconds
    }
}

/// Weighted random draws shared by the choosers.
enum WeightedDraw {
    /// An index in `0..<count` with probability proportional to `weight(index)` (negative
    /// weights count as 0; uniform when every weight is 0). One random number, no allocation.
    static func pick(count: Int, random: any RandomSource, weight: (Int) -> Int) -> Int {
        var total = 0
        for index in 0..<count { total += max(0, weight(index)) }
        guard total > 0 else { return min(count - 1, Int(random.nextUnit() * Double(count))) }
        var target = random.nextUnit() * Double(total)
        var last = 0
        for index in 0..<count where weight(index) > 0 {
            target -= Double(weight(index))
            if target < 0 { return index }
            last = index
        }
        return last  // Only reachable through floating-point rounding at the very top.
    }

    /// A sort key that orders items as successive weighted draws without replacement would
    /// (Efraimidis–Spirakis: larger keys first). Weight 0 gets `-infinity`; callers order those
    /// after the weighted ones, randomly among themselves, with `tieBreak`.
    static func key(weight: Int, random: any RandomSource) -> (key: Double, tieBreak: Double) {
        let unit = random.nextUnit()
        guard weight > 0 else { return (-.infinity, unit) }
        return (log(max(unit, .leastNonzeroMagnitude)) / Double(weight), 0)
    }
}
