import Foundation

/// Outcome counts over a rolling time window, kept in a fixed ring of buckets.
///
/// Guarantees: recording and reading cost O(buckets) with no allocation after `init`; an
/// outcome is counted for at least `window × (1 − 1/buckets)` and forgotten no later than
/// `window` after it happened; an outcome older than what a bucket already holds (a clock that
/// stepped backwards) is dropped rather than mixed into newer counts.
struct OutcomeWindow: Sendable, Hashable {
    private struct Bucket: Sendable, Hashable {
        /// Which bucket-width interval since 1970 this bucket currently counts.
        var interval: Int64 = .min
        var total: Int32 = 0
        var failures: Int32 = 0
    }

    let bucketSeconds: TimeInterval
    private var buckets: [Bucket]

    init(windowSeconds: TimeInterval, buckets: Int) {
        self.bucketSeconds = windowSeconds / Double(buckets)
        self.buckets = Array(repeating: Bucket(), count: buckets)
    }

    private func interval(of date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 / bucketSeconds).rounded(.down))
    }

    private func slot(of interval: Int64) -> Int {
        Int(((interval % Int64(buckets.count)) + Int64(buckets.count)) % Int64(buckets.count))
    }

    mutating func record(failed: Bool, at date: Date) {
        let current = interval(of: date)
        let index = slot(of: current)
        if buckets[index].interval < current {
            buckets[index] = Bucket(interval: current)
        } else if buckets[index].interval > current {
            return
        }
        buckets[index].total &+= 1
        if failed { buckets[index].failures &+= 1 }
    }

    /// Outcomes and failures among them still inside the window at `date`.
    func counts(at date: Date) -> (total: Int, failures: Int) {
        let current = interval(of: date)
        let oldest = current - Int64(buckets.count) + 1
        var total = 0
        var failures = 0
        for bucket in buckets where bucket.interval >= oldest && bucket.interval <= current {
            total += Int(bucket.total)
            failures += Int(bucket.failures)
        }
        return (total, failures)
    }

    mutating func reset() {
        for index in buckets.indices { buckets[index] = Bucket() }
    }
}
