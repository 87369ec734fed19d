/// A Prometheus histogram series: counts per upper bound (not cumulative; the encoder adds
/// them up), plus the sum and count of every observation.
public struct MetricHistogram: Sendable, Hashable {
    /// Upper bounds in increasing order (the implicit `+Inf` bucket is `count`).
    public let bounds: [Double]
    /// Observations per bound: `bucketCounts[i]` holds those in `(bounds[i-1], bounds[i]]`.
    public private(set) var bucketCounts: [Int]
    public private(set) var sum: Double = 0
    public private(set) var count: Int = 0

    public init(bounds: [Double]) {
        self.bounds = bounds.sorted()
        self.bucketCounts = Array(repeating: 0, count: bounds.count)
    }

    /// Adds one observation (negative values count as 0: a clock step must not corrupt sums).
    public mutating func observe(_ value: Double) {
        let value = value.isFinite ? max(0, value) : 0
        if let index = bounds.firstIndex(where: { value <= $0 }) { bucketCounts[index] += 1 }
        sum += value
        count += 1
    }

    /// Seconds from 5 ms to 5 min: whole calls, streams included.
    public static let requestDurationBounds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300]
    /// Seconds from 5 ms to 30 s: time to the first token.
    public static let firstTokenBounds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
}
