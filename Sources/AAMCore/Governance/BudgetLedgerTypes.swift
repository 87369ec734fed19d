import Foundation

/// One budget of one scope: the identity of a set of ledger counters.
public struct BudgetKey: Sendable, Hashable, Codable, CustomStringConvertible {
    public var scope: GovernanceScope
    public var budgetId: String

    public init(scope: GovernanceScope, budgetId: String) {
        self.scope = scope
        self.budgetId = budgetId
    }

    public var description: String { "\(scope)/\(budgetId)" }
}

/// The counters of one budget for one window: what calls settled and what calls in flight hold.
public struct BudgetCounter: Sendable, Hashable, Codable {
    public var window: BudgetWindow
    /// Real spend of settled calls reserved in this window.
    public var settled: Spend
    /// Estimates still held by calls reserved in this window and not yet settled.
    public var reserved: Spend

    public init(window: BudgetWindow, settled: Spend = .zero, reserved: Spend = .zero) {
        self.window = window
        self.settled = settled
        self.reserved = reserved
    }

    /// `settled + reserved`: what admission compares against the limits.
    public var committed: Spend {
        Spend(usd: settled.usd.saturatingAdding(reserved.usd), tokens: settled.tokens.addingSaturating(reserved.tokens))
    }
}

/// What a successful `BudgetLedger.reserve` holds for one request; hand it back to `settle`.
public struct Reservation: Sendable, Hashable, Codable {
    /// One budget's share of the reservation, pinned to the window it was reserved in.
    public struct Hold: Sendable, Hashable, Codable {
        public var key: BudgetKey
        /// The budget as configured when reserved (its limits judge overruns at settle).
        public var budget: Budget
        public var window: BudgetWindow
        public var amount: Spend
    }

    public var requestId: String
    public var reservedAt: Date
    public var estimate: Spend
    public var holds: [Hold]
}

/// Why `BudgetLedger.reserve` refused a request: the first budget on the chain (broadest
/// scope first) that the estimate would overflow. Nothing was reserved anywhere.
public struct BudgetRejection: Sendable, Hashable, Codable, Error {
    public var key: BudgetKey
    public var period: BudgetPeriod
    public var dimension: BudgetDimension
    /// The limit in the rejected dimension: nano-dollars for `.usd`, tokens for `.tokens`.
    public var limit: Int64
    /// Settled plus reserved spend in that dimension when the request arrived.
    public var committed: Int64
    /// What the request asked for in that dimension.
    public var requested: Int64
    public var window: BudgetWindow
    /// Leased mode: the refusal is this replica's slice running short, not the budget itself;
    /// renewing the lease (`BudgetLeaseBook`) may admit the call. `committed` is then
    /// everything this replica cannot use: `limit − (slice − its own use)`.
    public var leaseExhausted = false

    public init(
        key: BudgetKey, period: BudgetPeriod, dimension: BudgetDimension, limit: Int64, committed: Int64,
        requested: Int64, window: BudgetWindow, leaseExhausted: Bool = false
    ) {
        self.leaseExhausted = leaseExhausted
        self.key = key
        self.period = period
        self.dimension = dimension
        self.limit = limit
        self.committed = committed
        self.requested = requested
        self.window = window
    }

    /// When the budget resets (the window end), for `retry-after`; nil for a `total` budget,
    /// which never resets.
    public var retryAfter: Date? { window.retryAfter }

    /// The `retry-after` header value at `now`: whole seconds to the window end, rounded up;
    /// nil for a `total` budget.
    public func retryAfterHeader(at now: Date) -> String? {
        retryAfter.map { String(Int64(max($0.timeIntervalSince(now), 0).rounded(.up))) }
    }
}

/// The answer of `BudgetLedger.reserve`.
public enum ReservationDecision: Sendable, Hashable {
    case reserved(Reservation)
    case rejected(BudgetRejection)
}

/// A budget whose settled spend went past its limit at `settle`: only possible when the
/// estimate was not an upper bound (no `max_tokens`, or a vendor that over-delivers).
public struct BudgetOverrun: Sendable, Hashable, Codable {
    public var key: BudgetKey
    public var dimension: BudgetDimension
    public var limit: Int64
    public var settled: Int64

    public init(key: BudgetKey, dimension: BudgetDimension, limit: Int64, settled: Int64) {
        self.key = key
        self.dimension = dimension
        self.limit = limit
        self.settled = settled
    }
}

/// The answer of `BudgetLedger.settle`.
public enum SettlementResult: Sendable, Hashable {
    /// Released and charged; `overruns` lists budgets now past a limit (usually empty).
    case settled(overruns: [BudgetOverrun])
    /// This request was settled before (or never reserved): nothing changed. Settling twice
    /// is therefore harmless.
    case notOutstanding
}

/// The persisted form of a ledger: settled spend per budget window, and which requests that
/// spend already includes.
///
/// Idempotency: `settledRequestIds` names every request whose actual spend is inside
/// `counters`. After `restore(from:)`, the server replays the call records it finds from a
/// little before `takenAt` on through `BudgetLedger.replaySettled`, which skips requests already
/// in the set, so spend settled between the last snapshot and a crash is counted exactly once.
/// Reservations are not persisted: calls in flight at a crash died with the process.
public struct BudgetLedgerSnapshot: Sendable, Hashable, Codable {
    public struct Entry: Sendable, Hashable, Codable {
        public var key: BudgetKey
        public var window: BudgetWindow
        public var settled: Spend

        public init(key: BudgetKey, window: BudgetWindow, settled: Spend) {
            self.key = key
            self.window = window
            self.settled = settled
        }
    }

    public var takenAt: Date
    public var entries: [Entry]
    /// Request id -> when it was settled.
    public var settledRequestIds: [String: Date]

    public init(takenAt: Date, entries: [Entry], settledRequestIds: [String: Date]) {
        self.takenAt = takenAt
        self.entries = entries
        self.settledRequestIds = settledRequestIds
    }
}

extension Int64 {
    /// `self + other` clamped to the `Int64` range (counters never wrap).
    public func addingSaturating(_ other: Int64) -> Int64 {
        let (value, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : value
    }
}
