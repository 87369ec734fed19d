/// Latencies counted in log-spaced bins (four per doubling, from 1 ms to about 18 minutes), so
/// an interval's percentile costs fixed memory and O(1) per sample whatever the call rate.
/// Accurate to the bin: a reported percentile is the upper edge of its bin (at most ~19 % high).
struct LatencyHistogram: Sendable, Equatable {
    static let binsPerDoubling = 4.0
    static let binCount = 80
    private var counts: [Int32] = []
    private(set) var total = 0

    init() {}

    mutating func record(_ milliseconds: Double) {
        guard milliseconds.isFinite, milliseconds >= 0 else { return }
        if counts.isEmpty { counts = Array(repeating: 0, count: Self.binCount) }
        let bin = milliseconds <= 1 ? 0 : min(Self.binCount - 1, Int((log2(milliseconds) * Self.binsPerDoubling).rounded(.up)))
        counts[bin] &+= 1
        total += 1
    }

    /// The upper edge of the bin holding the nearest-rank `quantile` (nil without samples).
    func percentile(_ quantile: Double) -> Double? {
        guard total > 0 else { return nil }
        let rank = max(1, Int((quantile * Double(total)).rounded(.up)))
        var seen = 0
        for (bin, count) in counts.enumerated() {
            seen += Int(count)
            if seen >= rank { return Self.upperEdge(bin) }
        }
        return Self.upperEdge(Self.binCount - 1)
    }

    static func upperEdge(_ bin: Int) -> Double { pow(2, Double(bin) / binsPerDoubling) }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
