import Foundation

/// Events per second over a sliding window, from an injected time (no clock inside), in
/// constant memory: counts land in quarter-second buckets of a small ring.
public struct EventRateMeter: Sendable, Equatable {
    public let bucketSeconds: Double
    private var counts: [Int]
    private var currentBucket: Int?

    /// `window` seconds of history, in buckets of `bucketSeconds`.
    public init(window: Double = 4, bucketSeconds: Double = 0.25) {
        self.bucketSeconds = bucketSeconds
        counts = Array(repeating: 0, count: max(2, Int((window / bucketSeconds).rounded())))
    }

    public var windowSeconds: Double { Double(counts.count) * bucketSeconds }

    /// Counts `count` events at `time`.
    public mutating func record(_ count: Int = 1, at time: Date) {
        let bucket = bucketIndex(time)
        advance(to: bucket)
        counts[slot(currentBucket ?? bucket)] += count
    }

    /// Events per second over the window ending at `time`.
    public func rate(at time: Date) -> Double {
        guard let currentBucket else { return 0 }
        let bucket = max(bucketIndex(time), currentBucket)
        let oldestKept = bucket - counts.count + 1
        guard currentBucket >= oldestKept else { return 0 }
        var total = 0
        for index in oldestKept...currentBucket { total += counts[slot(index)] }
        // Full buckets before this one, plus the elapsed part of the current bucket.
        let intoBucket = time.timeIntervalSinceReferenceDate / bucketSeconds - Double(bucket)
        let seconds = (Double(counts.count - 1) + min(1, max(0.05, intoBucket))) * bucketSeconds
        return Double(total) / seconds
    }

    private mutating func advance(to bucket: Int) {
        guard let current = currentBucket else {
            currentBucket = bucket
            return
        }
        guard bucket > current else { return }  // a clock step backwards counts into the current bucket
        for index in (current + 1)...(current + min(counts.count, bucket - current)) { counts[slot(index)] = 0 }
        currentBucket = bucket
    }

    private func bucketIndex(_ time: Date) -> Int { Int((time.timeIntervalSinceReferenceDate / bucketSeconds).rounded(.down)) }
    private func slot(_ bucket: Int) -> Int { ((bucket % counts.count) + counts.count) % counts.count }
}
