/// A workload's `budget.daily_usd` as a governance budget, for a cluster: on several replicas
/// it is enforced by the same leased ledger as every scope budget (`workload:SPIFFE-ID`,
/// budget id `daily_usd`, a UTC day), so the replicas together never pass it. On one node the
/// in-memory `AgentBudgetLedger` alone enforces it.
public enum WorkloadDailyBudget {
    public static let budgetId = "daily_usd"

    public static func scope(_ identity: String) -> GovernanceScope { GovernanceScope(.workload, identity) }

    public static func budget(_ amount: Money) -> Budget { Budget(id: budgetId, period: .daily, usdLimit: amount) }
}
