import AAMCore
import Foundation

/// A workload's `budget.daily_usd` on a cluster: the in-memory `AgentSpendLedger` sees only
/// this replica's calls, so each replica alone would grant the whole day's budget again. Here
/// the call also reserves its estimate on the leased governance ledger (scope
/// `workload:SPIFFE-ID`, `WorkloadDailyBudget`), whose slices the replicas take from one
/// window in Postgres: together they never pass the budget. A slice too small waits for one
/// renewal, as scope budgets do (`GovernanceGate.admit`). The hold is settled with the real
/// cost in `CallTrace.finish`.
enum WorkloadBudgetLease {
    enum Outcome {
        /// The cluster has room: the hold is on the trace.
        case reserved
        /// The day's budget cannot hold the call anywhere: what the cluster has committed.
        case exhausted(committed: Money, rejection: BudgetRejection)
    }

    /// Nil on a single node (no leases): the local ledger is the whole truth there.
    static func reserve(identity: String, limit: Money, estimate: Money, runtime: GatewayRuntime, trace: CallTrace) async -> Outcome? {
        guard let book = runtime.budgetLeases else { return nil }
        let budget = WorkloadDailyBudget.budget(limit)
        let chain = [ScopeBudgets(scope: WorkloadDailyBudget.scope(identity), budgets: [budget])]
        let spend = Spend(usd: estimate)
        var rounds = 0
        while true {
            switch runtime.governance.admit(
                requestId: "\(trace.record.requestId)#workload", chain: chain, estimate: spend, rateCharges: [], at: runtime.governanceClock.now())
            {
            case .admitted(let admission):
                book.noteAdmitted(admission.reservation)
                trace.workloadBudget = GovernanceHold(state: runtime.governance, admission: admission, clock: runtime.governanceClock)
                return .reserved
            case .budgetExceeded(let rejection) where rejection.leaseExhausted && rounds < GovernanceGate.maxLeaseRounds:
                rounds += 1
                guard await book.demand(rejection, budget: budget, estimate: spend) else {
                    return .exhausted(committed: Money(nanos: rejection.committed), rejection: rejection)
                }
            case .budgetExceeded(let rejection):
                return .exhausted(committed: Money(nanos: rejection.committed), rejection: rejection)
            case .rateLimited:
                // No rate charges were asked for; treated as no room rather than trusted.
                let window = budget.period.window(containing: runtime.governanceClock.now())
                let rejection = BudgetRejection(
                    key: BudgetKey(scope: chain[0].scope, budgetId: budget.id), period: .daily, dimension: .usd, limit: limit.nanos,
                    committed: limit.nanos, requested: estimate.nanos, window: window)
                return .exhausted(committed: limit, rejection: rejection)
            }
        }
    }
}
