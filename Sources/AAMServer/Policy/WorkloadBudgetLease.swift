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
        /// The day's budget cannot hold the call anywhere (`committed`: what the cluster has).
        case exhausted(BudgetRejection)
    }

    /// Nil on a single node (no leases): the local ledger is the whole truth there.
    static func reserve(identity: String, limit: Money, estimate: Money, runtime: GatewayRuntime, trace: CallTrace) async -> Outcome? {
        guard runtime.budgetLeases != nil else { return nil }
        let budget = WorkloadDailyBudget.budget(limit)
        let scope = WorkloadDailyBudget.scope(identity)
        switch await LeasedAdmission.admit(
            runtime: runtime, requestId: "\(trace.record.requestId)#workload", chain: [ScopeBudgets(scope: scope, budgets: [budget])],
            estimate: Spend(usd: estimate), charges: [])
        {
        case .admitted(let admission):
            trace.workloadBudget = GovernanceHold(admission, runtime: runtime)
            return .reserved
        case .budgetExceeded(let rejection):
            return .exhausted(rejection)
        case .rateLimited:
            // No rate charges were asked for, so none can refuse; counted as no room, never as room.
            return .exhausted(BudgetRejection(
                key: BudgetKey(scope: scope, budgetId: budget.id), period: .daily, dimension: .usd, limit: limit.nanos,
                committed: limit.nanos, requested: estimate.nanos, window: budget.period.window(containing: runtime.governanceClock.now())))
        }
    }
}
