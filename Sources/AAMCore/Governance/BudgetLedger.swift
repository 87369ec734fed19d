import Foundation

/// The budget state machine: per (scope, budget) counters of settled spend and outstanding
/// reservations for the current period window. A plain value driven by explicit times; no I/O,
/// no locks (wrap it in `GovernanceState` to share it).
///
/// Guarantees:
/// - **Atomic admission.** `reserve` checks every budget of every scope on the chain first and
///   changes nothing unless all of them admit the estimate; then it holds the estimate on all.
/// - **Exact limits.** A request is admitted only if `settled + reserved + estimate <= limit`
///   for each limited dimension. Since every admitted estimate stays counted until its request
///   settles, when estimates are upper bounds of the real spend (a call with `max_tokens`,
///   priced at the output price), `settled + reserved` never exceeds a limit, however calls
///   interleave: of N calls against a budget that admits exactly K of them, exactly K pass.
///   Without an upper bound (no `max_tokens`, the server substitutes a default cap) a budget can
///   be overrun by at most the sum of (actual − estimate) of the calls in flight; `settle`
///   reports such overruns.
/// - **Rollover.** Counters start at zero at each window boundary (`BudgetPeriod`). A call is
///   charged to the window it was **reserved** in, even when it settles after the boundary: the
///   old window's counter stays alive until its last reservation settles, and the new window's
///   capacity is not touched. (A call admitted at 23:59 counts against that day.)
/// - **Idempotent settlement.** Settling twice, or settling an unknown request, changes nothing.
///
/// Server recipe: `reserve` before routing (reject with 429 `budget_exceeded` and
/// `retry-after: rejection.retryAfter`); on every end of the call (success, upstream failure,
/// client disconnect) `settle` exactly once with the real spend, zero when nothing was billed.
/// Times passed in should come from one clock and not go backwards.
public struct BudgetLedger: Sendable {
    /// The time zone that aligns daily, weekly and monthly windows.
    public let timeZone: TimeZone

    /// Keyed by the whole window, not just its start, so a budget whose period is changed in
    /// config never shares a counter with its old period's window.
    struct WindowKey: Hashable, Sendable {
        var key: BudgetKey
        var window: BudgetWindow
    }

    private var counters: [WindowKey: BudgetCounter] = [:]
    /// The window each budget is in now (cached so most calls never touch the calendar).
    private var current: [BudgetKey: (period: BudgetPeriod, window: BudgetWindow)] = [:]
    private var outstanding: [String: Reservation] = [:]
    private var settledIds: [String: Date] = [:]
    /// Leased mode (several replicas on one database): the slice of each window this replica
    /// holds, and how much of its settled spend the database already knows. Nil: single node,
    /// the budgets' own limits apply here.
    private var leases: [WindowKey: BudgetSlice]?

    public init(timeZone: TimeZone = .gmt) {
        self.timeZone = timeZone
    }

    /// Reserves `estimate` on every budget of `chain` atomically, or rejects and reserves nothing.
    ///
    /// Negative estimate parts count as zero. Reserving a `requestId` that is still outstanding
    /// returns its existing reservation unchanged (a retry of the same request holds once).
    public mutating func reserve(
        requestId: String, chain: [ScopeBudgets], estimate: Spend, at now: Date
    ) -> ReservationDecision {
        if let existing = outstanding[requestId] { return .reserved(existing) }
        let amount = Spend(usd: max(estimate.usd, .zero), tokens: max(estimate.tokens, 0))
        var holds: [Reservation.Hold] = []
        var seen: Set<BudgetKey> = []
        for link in chain {
            for budget in link.budgets {
                let key = BudgetKey(scope: link.scope, budgetId: budget.id)
                guard seen.insert(key).inserted else { continue }
                let window = rollWindow(key, period: budget.period, at: now)
                let windowKey = WindowKey(key: key, window: window)
                let counter = counters[windowKey] ?? BudgetCounter(window: window)
                if let leases {
                    if let rejection = Self.check(budget, key: key, counter: counter, amount: amount, slice: leases[windowKey] ?? BudgetSlice()) {
                        return .rejected(rejection)
                    }
                } else if let rejection = Self.check(budget, key: key, counter: counter, amount: amount) {
                    return .rejected(rejection)
                }
                holds.append(Reservation.Hold(key: key, budget: budget, window: window, amount: amount))
            }
        }
        for hold in holds {
            let windowKey = WindowKey(key: hold.key, window: hold.window)
            var counter = counters[windowKey] ?? BudgetCounter(window: hold.window)
            counter.reserved.usd = counter.reserved.usd.saturatingAdding(amount.usd)
            counter.reserved.tokens = counter.reserved.tokens.addingSaturating(amount.tokens)
            counters[windowKey] = counter
        }
        let reservation = Reservation(requestId: requestId, reservedAt: now, estimate: amount, holds: holds)
        outstanding[requestId] = reservation
        return .reserved(reservation)
    }

    /// Releases `reservation`'s holds and charges `actual` to the windows it was reserved in.
    ///
    /// Call exactly once per reserved request whatever the outcome; pass `.zero` when the call
    /// failed before anything was billed. Negative parts of `actual` count as zero.
    public mutating func settle(_ reservation: Reservation, actual: Spend, at now: Date) -> SettlementResult {
        guard let held = outstanding.removeValue(forKey: reservation.requestId) else { return .notOutstanding }
        let charge = Spend(usd: max(actual.usd, .zero), tokens: max(actual.tokens, 0))
        var overruns: [BudgetOverrun] = []
        for hold in held.holds {
            let windowKey = WindowKey(key: hold.key, window: hold.window)
            var counter = counters[windowKey] ?? BudgetCounter(window: hold.window)
            counter.reserved.usd = max(counter.reserved.usd.saturatingSubtracting(hold.amount.usd), .zero)
            counter.reserved.tokens = max(counter.reserved.tokens - hold.amount.tokens, 0)
            counter.settled.usd = counter.settled.usd.saturatingAdding(charge.usd)
            counter.settled.tokens = counter.settled.tokens.addingSaturating(charge.tokens)
            overruns += Self.overruns(hold.budget, key: hold.key, counter: counter)
            counters[windowKey] = counter
            pruneIfStale(windowKey)
        }
        // Only a call that touched a budget is ever replayed after a restart, so only its id is
        // remembered (a rate-limit-only admission would otherwise cost memory per call).
        if !held.holds.isEmpty { settledIds[held.requestId] = now }
        return .settled(overruns: overruns)
    }

    /// Releases `reservation`'s holds without charging anything and without marking the
    /// request settled: for an admission undone before any upstream call (say a rate limit on
    /// the same chain refused it). Returns false when it was not outstanding.
    @discardableResult
    public mutating func cancel(_ reservation: Reservation) -> Bool {
        guard let held = outstanding.removeValue(forKey: reservation.requestId) else { return false }
        for hold in held.holds {
            let windowKey = WindowKey(key: hold.key, window: hold.window)
            guard var counter = counters[windowKey] else { continue }
            counter.reserved.usd = max(counter.reserved.usd.saturatingSubtracting(hold.amount.usd), .zero)
            counter.reserved.tokens = max(counter.reserved.tokens - hold.amount.tokens, 0)
            counters[windowKey] = counter
            pruneIfStale(windowKey)
        }
        return true
    }

    /// Counts a call that settled while this ledger was not running (replay of call records
    /// after `restore(from:)`), charging `actual` to the windows containing `reservedAt`.
    /// No limit is checked. Returns false, changing nothing, when the request is already
    /// counted (in the restored snapshot, settled, or outstanding).
    @discardableResult
    public mutating func replaySettled(
        requestId: String, chain: [ScopeBudgets], actual: Spend, reservedAt: Date, settledAt: Date
    ) -> Bool {
        guard settledIds[requestId] == nil, outstanding[requestId] == nil else { return false }
        var seen: Set<BudgetKey> = []
        for link in chain {
            for budget in link.budgets {
                let key = BudgetKey(scope: link.scope, budgetId: budget.id)
                guard seen.insert(key).inserted else { continue }
                let window = budget.period.window(containing: reservedAt, timeZone: timeZone)
                let windowKey = WindowKey(key: key, window: window)
                var counter = counters[windowKey] ?? BudgetCounter(window: window)
                counter.settled.usd = counter.settled.usd.saturatingAdding(max(actual.usd, .zero))
                counter.settled.tokens = counter.settled.tokens.addingSaturating(max(actual.tokens, 0))
                counters[windowKey] = counter
            }
        }
        settledIds[requestId] = settledAt
        return true
    }

    /// The counters of `budget` on `scope` for the window containing `now` (zero when unused).
    public func usage(of budget: Budget, on scope: GovernanceScope, at now: Date) -> BudgetCounter {
        let key = BudgetKey(scope: scope, budgetId: budget.id)
        let window: BudgetWindow
        if let cached = current[key], cached.period == budget.period, cached.window.contains(now) {
            window = cached.window
        } else {
            window = budget.period.window(containing: now, timeZone: timeZone)
        }
        return counters[WindowKey(key: key, window: window)] ?? BudgetCounter(window: window)
    }

    /// Requests reserved and not yet settled.
    public var outstandingCount: Int { outstanding.count }

    // MARK: Leases (several replicas)

    /// Switches to leased mode: from now on each window admits only within the slice
    /// `applyLease` gave it (nothing until the first one).
    public mutating func enableLeases() {
        if leases == nil { leases = [:] }
    }

    /// What a lease renewal needs to know about one window: its counter and current slice.
    public func leaseView(_ key: BudgetKey, window: BudgetWindow) -> (counter: BudgetCounter, slice: BudgetSlice) {
        let windowKey = WindowKey(key: key, window: window)
        return (counters[windowKey] ?? BudgetCounter(window: window), leases?[windowKey] ?? BudgetSlice())
    }

    /// Takes `release` out of the slice before the database is told (so nothing is admitted
    /// against capacity on its way back). Not put back if the renewal fails: the database may
    /// have applied it, and the next successful renewal states the slice anyway.
    public mutating func withholdRelease(_ release: Spend, key: BudgetKey, window: BudgetWindow) {
        let windowKey = WindowKey(key: key, window: window)
        guard var slice = leases?[windowKey] else { return }
        slice.capacity = slice.capacity.subtractingClamped(release)
        leases?[windowKey] = slice
    }

    /// The database answered a renewal: this replica's slice is now `capacity`, `reported`
    /// more of its settled spend is counted there, and the rest of the cluster held `elsewhere`.
    public mutating func applyLease(capacity: Spend, reported: Spend, elsewhere: Spend, key: BudgetKey, window: BudgetWindow) {
        let windowKey = WindowKey(key: key, window: window)
        guard leases != nil else { return }
        var slice = leases?[windowKey] ?? BudgetSlice()
        slice.capacity = capacity
        slice.reported = slice.reported.adding(reported)
        slice.elsewhere = elsewhere
        leases?[windowKey] = slice
        if counters[windowKey] == nil { counters[windowKey] = BudgetCounter(window: window) }
    }

    /// Forgets the slices of windows that ended (their database rows stay as the record).
    public mutating func pruneLeases(endedBefore now: Date) {
        leases = leases?.filter { $0.key.window.end > now }
    }

    // MARK: Persistence

    /// Settled spend of every window still held in memory, and the ids it includes.
    public func snapshot(at now: Date) -> BudgetLedgerSnapshot {
        let entries = counters.map { windowKey, counter in
            BudgetLedgerSnapshot.Entry(key: windowKey.key, window: counter.window, settled: counter.settled)
        }
        .sorted { ($0.key.description, $0.window.start) < ($1.key.description, $1.window.start) }
        return BudgetLedgerSnapshot(takenAt: now, entries: entries, settledRequestIds: settledIds)
    }

    /// Loads persisted settled spend. Call at start, before admitting traffic: a window in the
    /// snapshot replaces the settled part of the same window here (reservations are kept), so
    /// restoring the same snapshot twice does not double count.
    public mutating func restore(from snapshot: BudgetLedgerSnapshot) {
        for entry in snapshot.entries {
            let windowKey = WindowKey(key: entry.key, window: entry.window)
            var counter = counters[windowKey] ?? BudgetCounter(window: entry.window)
            counter.settled = entry.settled
            counters[windowKey] = counter
        }
        settledIds.merge(snapshot.settledRequestIds) { old, _ in old }
    }

    /// Settled request ids remembered (for replay de-duplication after a restart).
    public var rememberedSettledCount: Int { settledIds.count }

    /// Forgets settled request ids older than `cutoff`, bounding memory. Keep at least the
    /// margin within which the server's replay cannot tell by time alone whether a call was
    /// in the snapshot (`GovernancePersistence.settleClockMargin`).
    public mutating func forgetSettledRequests(before cutoff: Date) {
        settledIds = settledIds.filter { $0.value >= cutoff }
    }

    // MARK: Internals

    /// The window of `key` containing `now`, dropping the previous window's counter when no
    /// reservation still points at it.
    private mutating func rollWindow(_ key: BudgetKey, period: BudgetPeriod, at now: Date) -> BudgetWindow {
        if let cached = current[key], cached.period == period, cached.window.contains(now) { return cached.window }
        let window = period.window(containing: now, timeZone: timeZone)
        let previous = current[key]
        current[key] = (period, window)
        if let previous, previous.window != window {
            pruneIfStale(WindowKey(key: key, window: previous.window))
        }
        return window
    }

    /// Removes a counter that is no longer current and holds no reservation.
    private mutating func pruneIfStale(_ windowKey: WindowKey) {
        guard let counter = counters[windowKey], counter.reserved == .zero,
              current[windowKey.key]?.window != counter.window
        else { return }
        counters[windowKey] = nil
    }

    private static func check(_ budget: Budget, key: BudgetKey, counter: BudgetCounter, amount: Spend) -> BudgetRejection? {
        let committed = counter.committed
        if let limit = budget.usdLimit, committed.usd.saturatingAdding(amount.usd) > limit {
            return BudgetRejection(
                key: key, period: budget.period, dimension: .usd, limit: limit.nanos, committed: committed.usd.nanos,
                requested: amount.usd.nanos, window: counter.window)
        }
        if let limit = budget.tokenLimit, committed.tokens.addingSaturating(amount.tokens) > limit {
            return BudgetRejection(
                key: key, period: budget.period, dimension: .tokens, limit: limit, committed: committed.tokens,
                requested: amount.tokens, window: counter.window)
        }
        return nil
    }

    /// Leased mode: the request must fit in this replica's slice, next to its own settled spend
    /// not yet reported and its reservations. Only limited dimensions are checked.
    private static func check(_ budget: Budget, key: BudgetKey, counter: BudgetCounter, amount: Spend, slice: BudgetSlice) -> BudgetRejection? {
        let used = slice.localUse(of: counter)
        let usable = slice.usable(under: budget)
        if let limit = budget.usdLimit, used.usd.saturatingAdding(amount.usd) > usable.usd {
            return BudgetRejection(
                key: key, period: budget.period, dimension: .usd, limit: limit.nanos,
                committed: limit.nanos.addingSaturating(-(usable.usd.nanos - used.usd.nanos)), requested: amount.usd.nanos,
                window: counter.window, leaseExhausted: true)
        }
        if let limit = budget.tokenLimit, used.tokens.addingSaturating(amount.tokens) > usable.tokens {
            return BudgetRejection(
                key: key, period: budget.period, dimension: .tokens, limit: limit,
                committed: limit.addingSaturating(-(usable.tokens - used.tokens)), requested: amount.tokens, window: counter.window,
                leaseExhausted: true)
        }
        return nil
    }

    private static func overruns(_ budget: Budget, key: BudgetKey, counter: BudgetCounter) -> [BudgetOverrun] {
        var result: [BudgetOverrun] = []
        if let limit = budget.usdLimit, counter.settled.usd > limit {
            result.append(BudgetOverrun(key: key, dimension: .usd, limit: limit.nanos, settled: counter.settled.usd.nanos))
        }
        if let limit = budget.tokenLimit, counter.settled.tokens > limit {
            result.append(BudgetOverrun(key: key, dimension: .tokens, limit: limit, settled: counter.settled.tokens))
        }
        return result
    }
}
