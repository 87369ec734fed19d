import Foundation
import Synchronization

/// A real-time clock (not a test's `ManualClock`): one that `AlignedClock` may correct.
public protocol RealTimeClock: WallClock {}

extension SystemClock: RealTimeClock {}

/// The local clock corrected by an offset to another one (on a cluster, the database's): what
/// every replica uses for the shared budget windows, so replicas whose clocks differ still
/// lease the same window at a day's, week's or month's boundary (issue 14: "use the
/// database's clock for shared windows"). The offset starts at zero and is measured by the
/// replica heartbeat (`offset(fromLocalBefore:remote:localAfter:)`).
public final class AlignedClock: WallClock {
    public let base: any RealTimeClock
    private let offsetNanos = Atomic<Int64>(0)

    public init(base: any RealTimeClock) {
        self.base = base
    }

    public func now() -> Date { base.now().addingTimeInterval(offset) }

    /// Seconds added to the local clock.
    public var offset: TimeInterval { TimeInterval(offsetNanos.load(ordering: .relaxed)) / 1e9 }

    public func setOffset(_ seconds: TimeInterval) {
        guard seconds.isFinite else { return }
        offsetNanos.store(Int64(max(min(seconds, 1e9), -1e9) * 1e9), ordering: .relaxed)
    }

    /// The offset one round trip measured: the remote time minus the local midpoint of the
    /// exchange; nil when the round trip took too long to say anything within `maxRoundTrip`.
    public static func offset(fromLocalBefore before: Date, remote: Date, localAfter after: Date, maxRoundTrip: TimeInterval = 0.5) -> TimeInterval? {
        let roundTrip = after.timeIntervalSince(before)
        guard roundTrip >= 0, roundTrip <= maxRoundTrip else { return nil }
        return remote.timeIntervalSince(before.addingTimeInterval(roundTrip / 2))
    }
}
