/// One configured budget's use in its current window, for `/metrics`: what operators alert on
/// ("team X has 10 % of its month left") without asking the admin API.
public struct BudgetGauge: Sendable, Hashable {
    public var scope: GovernanceScope
    public var budgetId: String
    public var period: String
    public var spentUSD: Money
    public var limitUSD: Money?
    public var tokens: Int64
    public var tokenLimit: Int64?

    public init(scope: GovernanceScope, budgetId: String, period: String, spentUSD: Money, limitUSD: Money?, tokens: Int64, tokenLimit: Int64?) {
        self.scope = scope
        self.budgetId = budgetId
        self.period = period
        self.spentUSD = spentUSD
        self.limitUSD = limitUSD
        self.tokens = tokens
        self.tokenLimit = tokenLimit
    }

    /// `aam_budget_spent_usd`, `aam_budget_limit_usd`, `aam_budget_remaining_usd` and their
    /// token twins, one series per budget (labels: scope kind, scope id, budget id, period).
    /// Limits and remainders only for the dimensions the budget limits; a remainder never
    /// goes below 0 (an overrun shows as spent above limit).
    static func render(_ gauges: [BudgetGauge], into out: inout PrometheusText) {
        let sorted = gauges.sorted { ($0.scope.kind.rawValue, $0.scope.id, $0.budgetId) < ($1.scope.kind.rawValue, $1.scope.id, $1.budgetId) }
        func labels(_ gauge: BudgetGauge) -> [(String, String)] {
            [("scope_kind", gauge.scope.kind.rawValue), ("scope", gauge.scope.id), ("budget", gauge.budgetId), ("period", gauge.period)]
        }
        func dollars(_ money: Money) -> Double { Double(money.nanos) / Double(Money.nanosPerDollar) }
        let families: [(String, String, (BudgetGauge) -> Double?)] = [
            ("aam_budget_spent_usd", "US dollars committed against the budget in its current window (settled plus held by calls in flight).", { dollars($0.spentUSD) }),
            ("aam_budget_limit_usd", "The budget's US dollar limit per window.", { $0.limitUSD.map(dollars) }),
            ("aam_budget_remaining_usd", "US dollars left in the budget's current window (0 when spent).", { gauge in
                gauge.limitUSD.map { max(dollars($0) - dollars(gauge.spentUSD), 0) }
            }),
            ("aam_budget_tokens_used", "Tokens committed against the budget in its current window.", { Double($0.tokens) }),
            ("aam_budget_token_limit", "The budget's token limit per window.", { $0.tokenLimit.map(Double.init) }),
            ("aam_budget_tokens_remaining", "Tokens left in the budget's current window (0 when spent).", { gauge in
                gauge.tokenLimit.map { Double(max($0 - gauge.tokens, 0)) }
            }),
        ]
        // A family with no series is left out (no budget limits tokens, or none is configured).
        for (name, help, value) in families {
            let samples = sorted.compactMap { gauge in value(gauge).map { (labels(gauge), $0) } }
            guard !samples.isEmpty else { continue }
            out.family(name, .gauge, help: help)
            for (labels, number) in samples { out.sample(name, labels, number) }
        }
    }
}
