/// An exponentially weighted moving average of latency, in seconds.
///
/// Each sample moves the average by `smoothing` of the distance to it, so with the default
/// 0.3 a single outlier's weight halves within two samples: one slow answer cannot brand a
/// deployment slow for long once it is sampled again. `nil` until the first sample, so
/// "unmeasured" stays distinguishable from "fast".
public struct LatencyEWMA: Sendable, Hashable {
    public let smoothing: Double
    public private(set) var seconds: Double?

    /// - Parameter smoothing: weight of each new sample, clamped to `0.01...1`.
    public init(smoothing: Double = 0.3) {
        self.smoothing = min(1, max(0.01, smoothing))
    }

    public mutating func add(seconds sample: Double) {
        guard sample.isFinite else { return }
        let clamped = max(0, sample)
        seconds = seconds.map { $0 + smoothing * (clamped - $0) } ?? clamped
    }
}
