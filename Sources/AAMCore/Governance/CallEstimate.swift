/// The reservation size of one call before it runs: the "estimate" of estimate -> reserve -> settle.
///
/// Tokens are the prompt tokens plus `max_tokens`, or plus `defaultOutputCap` when the request
/// gives none; dollars are those tokens at the model's price with no cache discount
/// (`ModelPrice.estimate`). With `max_tokens` given the estimate is an upper bound of the real
/// bill (`isUpperBound`), which is what makes `BudgetLedger`'s limits exact. Without it a call
/// may exceed its estimate, and a budget may be overrun by at most Σ(actual − estimate) of the
/// calls in flight at once; `BudgetLedger.settle` reports such overruns.
///
/// With no price (`price == nil`) the dollar part is zero and `isPriced` is false: the server
/// must report the model as unpriced and should refuse the call when the chain carries any
/// dollar limit (`chain.hasDollarLimit`), since it could not be billed against it.
public struct CallEstimate: Sendable, Hashable {
    public var spend: Spend
    public var isUpperBound: Bool
    public var isPriced: Bool

    public init(promptTokens: Int, maxOutputTokens: Int?, defaultOutputCap: Int, price: ModelPrice?) throws(MoneyError) {
        let prompt = max(promptTokens, 0)
        let output = max(maxOutputTokens ?? defaultOutputCap, 0)
        let usd = try price?.estimate(promptTokens: prompt, maxOutputTokens: output) ?? .zero
        self.spend = Spend(usd: usd, tokens: Int64(prompt).addingSaturating(Int64(output)))
        self.isUpperBound = maxOutputTokens != nil
        self.isPriced = price != nil
    }
}

extension Array where Element == ScopeBudgets {
    /// Whether any budget on the chain limits dollars (so an unpriced model cannot be admitted).
    public var hasDollarLimit: Bool {
        contains { $0.budgets.contains { $0.usdLimit != nil } }
    }

    /// The budget a ledger key names on this chain, if it is on it.
    public func budget(of key: BudgetKey) -> Budget? {
        first { $0.scope == key.scope }?.budgets.first { $0.id == key.budgetId }
    }
}
