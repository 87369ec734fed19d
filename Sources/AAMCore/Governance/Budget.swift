/// One spending limit on one scope: a period and a dollar and/or token cap.
///
/// A scope may carry several (say $100 daily and 50M tokens monthly); `id` tells them apart in
/// the ledger, in rejections and in snapshots, so it must be unique within its scope and stable
/// across config reloads (changing a limit keeps the spend; changing the id starts over).
/// A budget with neither limit constrains nothing (it still counts spend).
public struct Budget: Sendable, Hashable, Codable, Identifiable {
    public var id: String
    public var period: BudgetPeriod
    public var usdLimit: Money?
    public var tokenLimit: Int64?

    public init(id: String, period: BudgetPeriod, usdLimit: Money? = nil, tokenLimit: Int64? = nil) {
        self.id = id
        self.period = period
        self.usdLimit = usdLimit
        self.tokenLimit = tokenLimit
    }
}

/// A scope and the budgets it carries: one link of the chain passed to `BudgetLedger.reserve`.
public struct ScopeBudgets: Sendable, Hashable, Codable {
    public var scope: GovernanceScope
    public var budgets: [Budget]

    public init(scope: GovernanceScope, budgets: [Budget]) {
        self.scope = scope
        self.budgets = budgets
    }
}

/// An amount of spend: dollars and tokens. Estimates before a call, actuals after.
public struct Spend: Sendable, Hashable, Codable {
    public var usd: Money
    public var tokens: Int64

    public init(usd: Money = .zero, tokens: Int64 = 0) {
        self.usd = usd
        self.tokens = tokens
    }

    public static let zero = Spend()
}

/// Which counter of a budget a rejection or overrun is about.
public enum BudgetDimension: String, Sendable, Hashable, Codable {
    case usd, tokens
}
