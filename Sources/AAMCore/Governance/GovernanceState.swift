import Foundation
import Synchronization

/// The shared, thread-safe home of the budget ledger and the rate limiter: one `Mutex`, held
/// only for the O(chain) in-memory work of a call, never across an `await`.
///
/// Server recipe, per call:
/// 1. `admit(...)` with the scope chain's budgets, the estimate (prompt tokens + `max_tokens`
///    priced by `ModelPrice.estimate`) and the RPM/TPM charges of the chain and deployment.
///    `.budgetExceeded` -> 429 `budget_exceeded`, `retry-after` = window end (none for `total`);
///    `.rateLimited` -> 429 `rate_limit_exceeded` with `retry-after` and the `x-ratelimit-*`
///    headers of its status; `.admitted` -> proceed, success headers from `rateStatuses`.
/// 2. Exactly once at the end of the call, whatever happened (success, upstream error, client
///    gone): `settle(admission, actual:at:)` with the real cost and tokens, `.zero` if unbilled.
/// 3. In the background: `snapshot` to persist; at start `restore` then `replaySettled` for
///    the call records since the snapshot.
///
/// Budgets and rate limits are admitted atomically together: a refusal by either leaves both
/// untouched.
public final class GovernanceState: Sendable {
    private struct State: Sendable {
        var ledger: BudgetLedger
        var limiter = RateLimiter()
    }

    private let state: Mutex<State>

    public init(timeZone: TimeZone = .gmt) {
        state = Mutex(State(ledger: BudgetLedger(timeZone: timeZone)))
    }

    /// Reserves the estimate on every budget and charges every rate limit, or nothing.
    public func admit(
        requestId: String, chain: [ScopeBudgets], estimate: Spend, rateCharges: [RateCharge], at now: Date
    ) -> AdmissionDecision {
        state.withLock { state in
            let reservation: Reservation
            switch state.ledger.reserve(requestId: requestId, chain: chain, estimate: estimate, at: now) {
            case .rejected(let rejection): return .budgetExceeded(rejection)
            case .reserved(let reserved): reservation = reserved
            }
            switch state.limiter.admit(rateCharges, at: now) {
            case .allowed(let statuses):
                return .admitted(Admission(reservation: reservation, rateCharges: rateCharges, rateStatuses: statuses))
            case let refusal:
                state.ledger.cancel(reservation)
                return .rateLimited(refusal)
            }
        }
    }

    /// Settles the budgets with `actual` and corrects every TPM charge by
    /// `actual.tokens − estimated tokens`. Idempotent: a second call changes nothing.
    public func settle(_ admission: Admission, actual: Spend, at now: Date) -> SettlementResult {
        state.withLock { state in
            let result = state.ledger.settle(admission.reservation, actual: actual, at: now)
            guard case .settled = result else { return result }
            for charge in admission.rateCharges where charge.key.dimension == .tokens {
                state.limiter.adjust(
                    charge.key, by: max(actual.tokens, 0) - charge.cost, limitPerMinute: charge.limitPerMinute, at: now)
            }
            return result
        }
    }

    /// A budget's counters now (admin API, dashboards).
    public func usage(of budget: Budget, on scope: GovernanceScope, at now: Date) -> BudgetCounter {
        state.withLock { $0.ledger.usage(of: budget, on: scope, at: now) }
    }

    /// A rate limit's status without charging it.
    public func rateStatus(_ key: RateLimitKey, limitPerMinute: Int64, at now: Date) -> RateLimitStatus {
        state.withLock { $0.limiter.status(key, limitPerMinute: limitPerMinute, at: now) }
    }

    public func snapshot(at now: Date) -> BudgetLedgerSnapshot {
        state.withLock { $0.ledger.snapshot(at: now) }
    }

    public func restore(from snapshot: BudgetLedgerSnapshot) {
        state.withLock { $0.ledger.restore(from: snapshot) }
    }

    @discardableResult
    public func replaySettled(
        requestId: String, chain: [ScopeBudgets], actual: Spend, reservedAt: Date, settledAt: Date
    ) -> Bool {
        state.withLock {
            $0.ledger.replaySettled(
                requestId: requestId, chain: chain, actual: actual, reservedAt: reservedAt, settledAt: settledAt)
        }
    }

    // MARK: Leases (several replicas; see `BudgetLedger` leased mode)

    /// Budgets and scope rate limits both become slices of the cluster's shared state.
    public func enableLeases() {
        state.withLock {
            $0.ledger.enableLeases()
            $0.limiter.enableLeases()
        }
    }

    /// This replica's unused units of a leased rate limit.
    public func rateAllowance(_ key: RateLimitKey) -> Int64 { state.withLock { $0.limiter.allowance(key) } }

    /// Applies a rate lease renewal (`granted` may be negative: units given back).
    public func applyRateGrant(_ key: RateLimitKey, granted: Int64, remaining: Int64) {
        state.withLock { $0.limiter.applyGrant(key, granted: granted, remaining: remaining) }
    }

    /// Limits a leased key locally at `limit / share` while its renewals fail; nil leases it again.
    public func degradeRateLimit(_ key: RateLimitKey, share: Int64?) { state.withLock { $0.limiter.degrade(key, share: share) } }

    public func isRateLimitDegraded(_ key: RateLimitKey) -> Bool { state.withLock { $0.limiter.isDegraded(key) } }

    public func leaseView(_ key: BudgetKey, window: BudgetWindow) -> (counter: BudgetCounter, slice: BudgetSlice) {
        state.withLock { $0.ledger.leaseView(key, window: window) }
    }

    public func withholdRelease(_ release: Spend, key: BudgetKey, window: BudgetWindow) {
        state.withLock { $0.ledger.withholdRelease(release, key: key, window: window) }
    }

    public func applyLease(capacity: Spend, reported: Spend, elsewhere: Spend, key: BudgetKey, window: BudgetWindow) {
        state.withLock { $0.ledger.applyLease(capacity: capacity, reported: reported, elsewhere: elsewhere, key: key, window: window) }
    }

    /// Settled request ids the ledger remembers for replay de-duplication.
    public var rememberedSettledCount: Int { state.withLock { $0.ledger.rememberedSettledCount } }

    public func pruneLeases(endedBefore now: Date) { state.withLock { $0.ledger.pruneLeases(endedBefore: now) } }

    /// Housekeeping for a background task: forget old settled ids and drained rate cells.
    public func prune(at now: Date, keepSettledIdsFor retention: TimeInterval, limitPerMinute: (RateLimitKey) -> Int64?) {
        state.withLock {
            $0.ledger.forgetSettledRequests(before: now.addingTimeInterval(-retention))
            $0.limiter.prune(at: now, limitPerMinute: limitPerMinute)
        }
    }
}

/// What `GovernanceState.admit` holds for an admitted call; pass it to `settle`.
public struct Admission: Sendable, Hashable {
    public var reservation: Reservation
    public var rateCharges: [RateCharge]
    /// Status of each rate charge after admission, for `x-ratelimit-*` success headers.
    public var rateStatuses: [RateLimitStatus]
}

/// The answer of `GovernanceState.admit`.
public enum AdmissionDecision: Sendable, Hashable {
    case admitted(Admission)
    case budgetExceeded(BudgetRejection)
    /// `.limited` or `.tooLarge` from `RateLimiter.admit`.
    case rateLimited(RateLimitDecision)
}
