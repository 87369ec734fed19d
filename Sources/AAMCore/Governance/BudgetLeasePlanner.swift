import Foundation

/// Tuning of the budget leases of several replicas (see `BudgetLeasePlanner`).
public struct BudgetLeasePolicy: Sendable, Hashable {
    /// The slice aims at this many seconds of the replica's recent spend rate.
    public var horizonSeconds: Double = 2
    /// ... and at least this many of its largest recent call estimates.
    public var minimumCalls: Int64 = 2
    /// A window without an admission for this long gives back everything it does not hold.
    public var idleReleaseSeconds: Double = 10
    /// A held slice is renewed at least this often (the database's proof that its replica lives).
    public var refreshSeconds: Double = 10
    /// A slice not renewed for this long is charged in full to the window and dropped by the
    /// next replica that renews the same window (its replica is presumed dead).
    public var ttlSeconds: Double = 30

    public init() {}
}

/// What one renewal of one window asks the database for.
public struct BudgetLeasePlan: Sendable, Hashable {
    /// Settled spend the database does not know yet: moved from the slice to the window total.
    public var report: Spend
    /// More capacity wanted (granted up to what the budget has left).
    public var grow: Spend
    /// Capacity given back (taken out of the local slice before the request leaves).
    public var release: Spend

    public init(report: Spend = .zero, grow: Spend = .zero, release: Spend = .zero) {
        self.report = report
        self.grow = grow
        self.release = release
    }
}

/// Decides, for one budget window of one replica, whether and how to renew its slice. Pure:
/// the caller passes the counter, the slice, its measurements and the time since things
/// happened; no clock, no I/O.
///
/// The slice follows the replica's own spend: about `horizonSeconds` of its recent rate, never
/// less than `minimumCalls` of its largest recent estimate, so a busy replica renews about
/// once per horizon and a quiet one holds little. It grows when the free part falls under
/// half the target (or cannot admit the next call), gives back what exceeds twice the target,
/// everything free once idle, and is refreshed at least every `refreshSeconds` while held.
public enum BudgetLeasePlanner {
    public struct Measurements: Sendable, Hashable {
        /// The largest estimate of a recent call on this window (what the next one may need).
        public var demand: Spend
        /// Spend admitted per second, smoothed.
        public var burnPerSecond: Spend
        /// Seconds since the last admission or refusal on this window.
        public var idleSeconds: Double
        /// Seconds since the last renewal of this window.
        public var sinceRenewalSeconds: Double

        public init(demand: Spend, burnPerSecond: Spend, idleSeconds: Double, sinceRenewalSeconds: Double) {
            self.demand = demand
            self.burnPerSecond = burnPerSecond
            self.idleSeconds = idleSeconds
            self.sinceRenewalSeconds = sinceRenewalSeconds
        }
    }

    /// The renewal to send now, or nil when none is needed. `urgent`: a call was just refused
    /// for lack of slice, so grow enough for it whatever the rate says.
    public static func plan(
        budget: Budget, counter: BudgetCounter, slice: BudgetSlice, measured: Measurements, policy: BudgetLeasePolicy = BudgetLeasePolicy(),
        urgent: Bool = false
    ) -> BudgetLeasePlan? {
        let free = slice.free(of: counter)
        let idle = !urgent && measured.idleSeconds >= policy.idleReleaseSeconds
        // Idle: nothing is coming, so no room is kept for a next call either.
        let next = idle ? .zero : measured.demand
        var plan = BudgetLeasePlan(report: slice.unreported(of: counter))
        if budget.usdLimit != nil {
            let target = idle ? 0 : Self.target(demand: measured.demand.usd.nanos, burn: measured.burnPerSecond.usd.nanos, policy)
            let (grow, release) = Self.adjust(free: free.usd.nanos, target: target, next: next.usd.nanos, urgent: urgent)
            plan.grow.usd = Money(nanos: grow)
            plan.release.usd = Money(nanos: release)
        }
        if budget.tokenLimit != nil {
            let target = idle ? 0 : Self.target(demand: measured.demand.tokens, burn: measured.burnPerSecond.tokens, policy)
            let (grow, release) = Self.adjust(free: free.tokens, target: target, next: next.tokens, urgent: urgent)
            plan.grow.tokens = grow
            plan.release.tokens = release
        }
        let changes = plan.grow != .zero || plan.release != .zero
        let holding = slice.capacity != .zero
        guard changes || urgent || (holding && measured.sinceRenewalSeconds >= policy.refreshSeconds) else { return nil }
        return plan
    }

    static func target(demand: Int64, burn: Int64, _ policy: BudgetLeasePolicy) -> Int64 {
        let byRate = Double(max(burn, 0)) * policy.horizonSeconds
        let byCalls = Double(max(demand, 0)) * Double(policy.minimumCalls)
        return Int64(min(max(byRate, byCalls), Double(Int64.max / 4)))
    }

    /// (grow, release) for one dimension.
    static func adjust(free: Int64, target: Int64, next: Int64, urgent: Bool) -> (Int64, Int64) {
        if urgent || free < target / 2 || free < next {
            return (max(max(target, next) - free, urgent ? max(next - free, 0) : 0), 0)
        }
        if free > target.addingSaturating(target) || (target == 0 && free > 0) {
            return (0, free - target)
        }
        return (0, 0)
    }
}
