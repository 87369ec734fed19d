import AAMCore
import Foundation
import Testing

private func usd(_ text: String) -> Money { try! Money(parsing: text) }
private let t0 = Date(timeIntervalSince1970: 1_800_000_000)
private let price = ModelPrice(
    provider: "openai", model: "gpt-4o", effectiveFrom: .distantPast, inputPerMillion: usd("2.50"),
    outputPerMillion: usd("10.00"), version: "v1")

@Suite("Governance: call estimates and retry headers")
struct GovernanceEstimateTests {
    @Test("max_tokens makes an upper-bound estimate; its absence uses the default cap")
    func estimate() throws {
        let bounded = try CallEstimate(promptTokens: 1000, maxOutputTokens: 200, defaultOutputCap: 4096, price: price)
        #expect(bounded.spend == Spend(usd: usd("0.0045"), tokens: 1200))
        #expect(bounded.isUpperBound && bounded.isPriced)
        let capped = try CallEstimate(promptTokens: 1000, maxOutputTokens: nil, defaultOutputCap: 4096, price: price)
        #expect(capped.spend.tokens == 5096 && !capped.isUpperBound)
    }

    @Test("an unpriced model estimates no dollars and says so")
    func unpriced() throws {
        let estimate = try CallEstimate(promptTokens: 10, maxOutputTokens: 10, defaultOutputCap: 100, price: nil)
        #expect(!estimate.isPriced && estimate.spend == Spend(usd: .zero, tokens: 20))
        let tokensOnly = [ScopeBudgets(scope: GovernanceScope(.org, "o"), budgets: [Budget(id: "t", period: .daily, tokenLimit: 5)])]
        #expect(!tokensOnly.hasDollarLimit)
        let dollars = tokensOnly + [ScopeBudgets(scope: GovernanceScope(.key, "k"), budgets: [Budget(id: "d", period: .total, usdLimit: .zero)])]
        #expect(dollars.hasDollarLimit)
    }

    @Test("retry-after header values are whole seconds rounded up")
    func retryHeaders() {
        let rejection = BudgetRejection(
            key: BudgetKey(scope: GovernanceScope(.key, "k"), budgetId: "d"), period: .daily, dimension: .usd,
            limit: 1, committed: 1, requested: 1, window: BudgetWindow(start: t0, end: t0 + 3600))
        #expect(rejection.retryAfterHeader(at: t0 + 0.5) == "3600")
        #expect(rejection.retryAfterHeader(at: t0 + 3599) == "1")
        var limiter = RateLimiter()
        let rpm = RateLimitKey(subject: "key:k", dimension: .requests)
        _ = limiter.check(rpm, cost: 1, limitPerMinute: 7, at: t0)
        let limited = limiter.check(rpm, cost: 7, limitPerMinute: 7, at: t0)
        #expect(limited.retryAfterHeader == "9")  // 60/7 s = 8.57 s
        #expect(limiter.check(rpm, cost: 8, limitPerMinute: 7, at: t0).retryAfterHeader == nil)
    }
}
