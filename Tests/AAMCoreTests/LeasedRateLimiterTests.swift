import AAMCore
import Foundation
import Testing

/// `RateLimiter` in leased mode: scope and deployment keys admit only from the units granted
/// to this replica; a key whose renewals fail is limited locally at its share until they work.
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

    @Test func deploymentKeysAreLeasedToo() {
        var limiter = RateLimiter()
        limiter.enableLeases()
        let charge = RateCharge(key: .deployment("d", .requests), cost: 1, limitPerMinute: 2)
        #expect(limiter.admit([charge], at: now) == .leaseShort(charge), "the vendor's limit is the cluster's: nothing without a grant")
        limiter.applyGrant(charge.key, granted: 1, remaining: 1)
        #expect(limiter.admit([charge], at: now).isAllowed)
        #expect(limiter.admit([charge], at: now) == .leaseShort(charge))
    }

    /// Cut off from the database: the key is limited on the local bucket at limit / share,
    /// refilling on the clock, and leased again (allowance intact) once renewals work.
    @Test func aDegradedKeyIsLimitedLocallyAtItsShare() {
        var limiter = RateLimiter()
        limiter.enableLeases()
        let key = RateLimitKey.deployment("d", .requests)
        let charge = RateCharge(key: key, cost: 1, limitPerMinute: 60)
        limiter.applyGrant(key, granted: 1, remaining: 0)
        limiter.degrade(key, share: 3)
        #expect(limiter.isDegraded(key) && !limiter.isLeased(key))
        // 60 a minute over 3 replicas: 20 at once here, then one every 3 seconds.
        for index in 0..<20 { #expect(limiter.admit([charge], at: now).isAllowed, "call \(index)") }
        guard case .limited(_, let retry) = limiter.admit([charge], at: now) else { Issue.record("the share of 20 did not hold"); return }
        #expect(retry > 2.9 && retry <= 3.0, "\(retry)")
        #expect(limiter.admit([charge], at: now.addingTimeInterval(3)).isAllowed, "refilled at 20 a minute")
        #expect(limiter.allowance(key) == 1, "the local bucket does not touch the allowance")
        limiter.degrade(key, share: nil)
        #expect(limiter.isLeased(key))
        #expect(limiter.admit([charge], at: now).isAllowed, "back on the allowance")
        #expect(limiter.admit([charge], at: now) == .leaseShort(charge))
    }

    @Test func degradingOutsideLeasedModeChangesNothing() {
        var limiter = RateLimiter()
        limiter.degrade(scope, share: 2)
        #expect(!limiter.isDegraded(scope))
        let charge = RateCharge(key: scope, cost: 1, limitPerMinute: 2)
        #expect(limiter.admit([charge], at: now).isAllowed && limiter.admit([charge], at: now).isAllowed)
    }
}
