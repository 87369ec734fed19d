import AAMCore
import Foundation

/// Admission on the governance state with this replica's leases behind it: every caller that
/// reserves budgets or charges rate limits for a call (the key's scope chain, a deployment's
/// limits and budgets, a workload's day) goes through here, so the renewal rules live in one
/// place.
///
/// On one node this is `GovernanceState.admit`. On a cluster, a budget this replica's slice
/// cannot hold waits for one renewal of that window (`BudgetLeaseBook.demand`) and is tried
/// again, and a rate limit whose allowance ran short waits for one renewal of that key
/// (`RateLeaseBook.demand`); each budget and limit may need one, so at most
/// `GovernanceGate.maxLeaseRounds` rounds. A rate renewal that fails degrades the key to
/// local limiting (`RateLimiter.degrade`) and the call is tried again at once; so is a call
/// whose allowance another call's renewal filled while it waited (`covered`, or an empty
/// bucket with units already here), which must not be refused while the units are there.
/// Nothing waits while slices and allowances suffice. An admitted call is noted in both lease books.
enum LeasedAdmission {
    static func admit(
        runtime: GatewayRuntime, requestId: String, chain: [ScopeBudgets], estimate: Spend, charges: [RateCharge]
    ) async -> AdmissionDecision {
        var rounds = 0
        while true {
            let decision = runtime.governance.admit(
                requestId: requestId, chain: chain, estimate: estimate, rateCharges: charges, at: runtime.governanceClock.now())
            switch decision {
            case .admitted(let admission):
                runtime.budgetLeases?.noteAdmitted(admission.reservation)
                runtime.rateLeases?.noteAdmitted(admission.rateCharges)
                return decision
            case .budgetExceeded(let rejection) where rejection.leaseExhausted && rounds < GovernanceGate.maxLeaseRounds:
                rounds += 1
                guard let book = runtime.budgetLeases, let budget = chain.budget(of: rejection.key),
                    await book.demand(rejection, budget: budget, estimate: estimate)
                else { return decision }
            case .rateLimited(.leaseShort(let charge)) where rounds < GovernanceGate.maxLeaseRounds:
                rounds += 1
                switch await runtime.rateLeases?.demand(charge) ?? .unanswered {
                case .covered: continue
                case .answered(let answer) where answer.granted == 0 && runtime.governance.rateAllowance(charge.key) < charge.cost:
                    return short(charge, wait: max(answer.retryAfterSeconds, 0.001))
                case .answered: continue
                case .unanswered:
                    if runtime.governance.isRateLimitDegraded(charge.key) { continue }
                    return short(charge, wait: 1)
                }
            case .rateLimited(.leaseShort(let charge)):
                return short(charge, wait: 1)
            case .budgetExceeded, .rateLimited:
                return decision
            }
        }
    }

    /// The refusal for an allowance no renewal could fill: limited, retry after `wait`.
    private static func short(_ charge: RateCharge, wait: TimeInterval) -> AdmissionDecision {
        .rateLimited(.limited(RateLimitStatus(key: charge.key, limit: charge.limitPerMinute, remaining: 0, resetAfter: wait), retryAfter: wait))
    }
}

extension GovernanceHold {
    /// The hold of an admission made on `runtime`'s governance state, settled on its clock.
    init(_ admission: Admission, runtime: GatewayRuntime) {
        self.init(state: runtime.governance, admission: admission, clock: runtime.governanceClock)
    }
}
