import Foundation

/// One renewal of a replica's slice of one budget window (see `aam_budget_lease`).
public struct BudgetLeaseRequest: Sendable, Hashable {
    /// `BudgetKey.description` (`org:acme/monthly`).
    public var key: String
    public var window: BudgetWindow
    public var replica: String
    /// Increases by one per renewal of this window by this replica; a retry of a renewal whose
    /// answer was lost repeats its number, and the database answers it again without applying
    /// it twice.
    public var sequence: Int64
    public var plan: BudgetLeasePlan
    /// The budget's limits now (nil: that dimension is unlimited).
    public var limitUSD: Money?
    public var limitTokens: Int64?
    public var ttlSeconds: Double

    public init(
        key: String, window: BudgetWindow, replica: String, sequence: Int64, plan: BudgetLeasePlan, limitUSD: Money?, limitTokens: Int64?,
        ttlSeconds: Double
    ) {
        self.key = key
        self.window = window
        self.replica = replica
        self.sequence = sequence
        self.plan = plan
        self.limitUSD = limitUSD
        self.limitTokens = limitTokens
        self.ttlSeconds = ttlSeconds
    }
}

/// The database's answer to a renewal.
public struct BudgetLeaseAnswer: Sendable, Hashable {
    /// This replica's slice now.
    public var lease: Spend
    /// What of `plan.grow` was granted.
    public var granted: Spend
    /// The window's settled total (reported by every replica, plus reaped slices).
    public var settled: Spend
    /// The slices the other replicas hold.
    public var others: Spend
    /// The slice was gone (reaped while this replica was cut off): the spend it held was
    /// charged in full then, so the reported amount was not added again.
    public var lost: Bool

    public init(lease: Spend, granted: Spend, settled: Spend, others: Spend, lost: Bool) {
        self.lease = lease
        self.granted = granted
        self.settled = settled
        self.others = others
        self.lost = lost
    }
}

/// Budget windows shared by replicas: implemented by the Postgres store.
public protocol BudgetLeaseStore: Sendable {
    /// One renewal, atomically (one statement).
    func renewBudgetLease(_ request: BudgetLeaseRequest) async throws -> BudgetLeaseAnswer
    /// At a replica's start: its slices left from a previous run are charged in full to their
    /// windows and dropped (what that run spent of them is not known here; charging all of it
    /// can only under-spend). Returns how many were dropped.
    func resetBudgetLeases(replica: String) async throws -> Int
    /// Windows' settled totals and every slice held, for status displays, in one read: one
    /// answer per entry of `windows`, in order (nil: no call has touched that window yet).
    func budgetWindows(_ windows: [(key: String, window: BudgetWindow)]) async throws -> [(settled: Spend, leased: Spend)?]
}

extension BudgetLeaseStore {
    /// One window's settled total and every slice held.
    public func budgetWindow(key: String, window: BudgetWindow) async throws -> (settled: Spend, leased: Spend)? {
        try await budgetWindows([(key, window)]).first ?? nil
    }
}

/// The answer of one rate-limit lease renewal (`aam_rate_lease`).
public struct RateLeaseAnswer: Sendable, Hashable {
    /// Units granted now (0 when the cluster's bucket is full).
    public var granted: Int64
    /// Units the cluster's bucket has left after the grant.
    public var remaining: Int64
    /// When the bucket has drained enough for one more unit, if nothing was granted.
    public var retryAfterSeconds: Double

    public init(granted: Int64, remaining: Int64, retryAfterSeconds: Double) {
        self.granted = granted
        self.remaining = remaining
        self.retryAfterSeconds = retryAfterSeconds
    }
}

/// Rate limits shared by replicas: one GCRA bucket per key in the database, on its clock.
public protocol RateLeaseStore: Sendable {
    /// Drains the bucket to the database's now, takes back `returning` unused units, and
    /// grants up to `want` more (what fits under `limitPerMinute`). One statement.
    func renewRateLease(key: String, limitPerMinute: Int64, want: Int64, returning: Int64) async throws -> RateLeaseAnswer
}
