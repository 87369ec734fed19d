import Foundation

/// Delays between retries of one request: exponential growth with full jitter, bounded by the
/// request's deadline.
///
/// Retry `n` (1 for the first retry) waits a uniformly random time in
/// `0 ..< min(maximum, initial × 2^(n−1), remaining − minimumAttemptTime)`. Full jitter spreads
/// the retries of many clients hit by the same failure instead of synchronising them. The delay
/// always leaves at least `minimumAttemptTime` for the attempt itself; when the deadline is too
/// close for that, the answer is `nil`: stop retrying and report what was tried.
public struct RetryBackoff: Sendable, Hashable {
    public var initial: Duration
    public var maximum: Duration
    /// Time an attempt needs to have any chance; no retry starts with less left than this.
    public var minimumAttemptTime: Duration

    public init(
        initial: Duration = .milliseconds(100), maximum: Duration = .seconds(2), minimumAttemptTime: Duration = .milliseconds(100)
    ) {
        self.initial = max(.zero, initial)
        self.maximum = max(self.initial, maximum)
        self.minimumAttemptTime = max(.zero, minimumAttemptTime)
    }

    /// The wait before retry number `attempt` (1-based; lower values count as 1), or `nil` when
    /// the deadline leaves no room for another attempt.
    public func delay(attempt: Int, random: any RandomSource, remainingUntilDeadline: Duration) -> Duration? {
        let room = Self.seconds(remainingUntilDeadline - minimumAttemptTime)
        guard room > 0 else { return nil }
        // 2^62 already exceeds any sane cap; clamping the exponent keeps the arithmetic finite.
        let exponent = Double(min(62, max(0, attempt - 1)))
        let ceiling = min(Self.seconds(maximum), Self.seconds(initial) * pow(2, exponent), room)
        return .seconds(random.nextUnit() * ceiling)
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }
}
