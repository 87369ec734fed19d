import AAMCore
import Foundation
import Testing

/// `RateLimiter` in leased mode: scope keys admit only from the units granted to this replica;
/// deployment keys keep their local bucket.
@Suite struct LeasedRateLimiterTests {
    let now = Date(timeIntervalSince1970: 3_000_000)
    let scope = RateLimitKey(scope: GovernanceScope(.org, "acme"), dimension: .requests)
    let tokens = RateLimitKey(scope: GovernanceScope(.org, "acme"), dimension: .tokens)

    @Test func aScopeKeyAdmitsOnlyFromItsAllowanceAndAllOrNothing() {
        var limiter = RateLimiter()
        limiter.enableLeases()
        let charge = RateCharge(key: scope, cost: 1, limitPerMinute: 60)
        #expect(limiter.admit([charge], at: now) == .leaseShort(charge), "no allowance yet")
        limiter.applyGrant(scope, granted: 2, remaining: 40)
        guard case .allowed(let statuses) = limiter.admit([charge], at: now) else { Issue.record("not admitted"); return }
        #expect(statuses.first.map(\.remaining) == Int64(41), "the cluster's remainder plus what this replica still holds")
        let tpm = RateCharge(key: tokens, cost: 100, limitPerMinute: 10_000)
        #expect(limiter.admit([charge, tpm], at: now) == .leaseShort(tpm))
        #expect(limiter.allowance(scope) == 1, "a refused admission charges nothing")
        limiter.applyGrant(tokens, granted: 150, remaining: 0)
        #expect(limiter.admit([charge, tpm], at: now).isAllowed)
        #expect(limiter.allowance(scope) == 0 && limiter.allowance(tokens) == 50)
        // Settling: 30 unused tokens come back, then 80 more than estimated are owed.
        limiter.adjust(tokens, by: -30, limitPerMinute: 10_000, at: now)
        #expect(limiter.allowance(tokens) == 80)
        limiter.adjust(tokens, by: 100, limitPerMinute: 10_000, at: now)
        #expect(limiter.allowance(tokens) == -20, "owed: the next grant pays it first")
    }

    @Test func deploymentKeysStayLocal() {
        var limiter = RateLimiter()
        limiter.enableLeases()
        let charge = RateCharge(key: .deployment("d", .requests), cost: 1, limitPerMinute: 2)
        #expect(limiter.admit([charge], at: now).isAllowed)
        #expect(limiter.admit([charge], at: now).isAllowed)
        guard case .limited = limiter.admit([charge], at: now) else { Issue.record("the local bucket of 2 did not hold"); return }
    }
}
