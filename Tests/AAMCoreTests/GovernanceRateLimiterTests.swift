import AAMCore
import Foundation
import Testing

private let t0 = Date(timeIntervalSince1970: 1_800_000_000)
private func at(_ seconds: TimeInterval) -> Date { t0.addingTimeInterval(seconds) }
private let rpmKey = RateLimitKey(scope: GovernanceScope(.key, "k1"), dimension: .requests)
private let tpmKey = RateLimitKey(scope: GovernanceScope(.key, "k1"), dimension: .tokens)

private func remaining(_ decision: RateLimitDecision) -> [Int64]? {
    if case .allowed(let statuses) = decision { return statuses.map(\.remaining) }
    return nil
}

private func retryAfter(_ decision: RateLimitDecision) -> TimeInterval? {
    if case .limited(_, let retry) = decision { return retry }
    return nil
}

@Suite("Governance: GCRA rate limiter")
struct GovernanceRateLimiterTests {
    @Test("a fresh key admits a burst of exactly the limit, then one per emission interval")
    func burstThenSteady() {
        var limiter = RateLimiter()
        for expected: Int64 in [4, 3, 2, 1, 0] {
            #expect(remaining(limiter.check(rpmKey, cost: 1, limitPerMinute: 5, at: t0)) == [expected])
        }
        #expect(retryAfter(limiter.check(rpmKey, cost: 1, limitPerMinute: 5, at: t0)) == 12)
        #expect(retryAfter(limiter.check(rpmKey, cost: 1, limitPerMinute: 5, at: at(11.999))) == 0.001)
        #expect(remaining(limiter.check(rpmKey, cost: 1, limitPerMinute: 5, at: at(12))) == [0])
        #expect(retryAfter(limiter.check(rpmKey, cost: 1, limitPerMinute: 5, at: at(12))) == 12)
        // After a full idle minute the whole burst is back.
        #expect(limiter.status(rpmKey, limitPerMinute: 5, at: at(72)).remaining == 5)
    }

    @Test("steady state: 60 RPM admits one request per second indefinitely, never two")
    func steadyState() {
        var limiter = RateLimiter()
        for _ in 0..<60 { _ = limiter.check(rpmKey, cost: 1, limitPerMinute: 60, at: t0) }
        for second in 1...120 {
            #expect(limiter.check(rpmKey, cost: 1, limitPerMinute: 60, at: at(TimeInterval(second))).isAllowed)
            #expect(!limiter.check(rpmKey, cost: 1, limitPerMinute: 60, at: at(TimeInterval(second) + 0.5)).isAllowed)
        }
    }

    @Test("no double burst at a minute boundary (unlike fixed windows)")
    func noBoundaryBurst() {
        var limiter = RateLimiter()
        var admitted = 0
        for offset in [59.9, 60.0, 60.1] {  // around the minute mark
            for _ in 0..<10 where limiter.check(rpmKey, cost: 1, limitPerMinute: 10, at: at(offset)).isAllowed {
                admitted += 1
            }
        }
        #expect(admitted == 10)  // a fixed window would have admitted 20
    }

    @Test("TPM: cost is the estimate; adjust returns the unused part or charges the overrun")
    func tpmAdjust() {
        var limiter = RateLimiter()
        #expect(remaining(limiter.check(tpmKey, cost: 800, limitPerMinute: 1000, at: t0)) == [200])
        #expect(retryAfter(limiter.check(tpmKey, cost: 300, limitPerMinute: 1000, at: t0)) == 6)  // 100 tokens at 1000/60 s
        // The call used 200 tokens, not 800.
        limiter.adjust(tpmKey, by: 200 - 800, limitPerMinute: 1000, at: t0)
        #expect(limiter.status(tpmKey, limitPerMinute: 1000, at: t0).remaining == 800)
        #expect(remaining(limiter.check(tpmKey, cost: 300, limitPerMinute: 1000, at: t0)) == [500])
        // A call that used 900 more than estimated pushes the bucket past full: later calls wait.
        limiter.adjust(tpmKey, by: 900, limitPerMinute: 1000, at: t0)
        #expect(limiter.status(tpmKey, limitPerMinute: 1000, at: t0).remaining == 0)
        #expect(retryAfter(limiter.check(tpmKey, cost: 100, limitPerMinute: 1000, at: t0)) == 30)  // 500 tokens to drain
        // Adjusting below zero clamps at an empty bucket.
        limiter.adjust(tpmKey, by: -1_000_000, limitPerMinute: 1000, at: t0)
        #expect(limiter.status(tpmKey, limitPerMinute: 1000, at: t0).remaining == 1000)
    }

    @Test("a cost above the whole limit can never pass")
    func tooLarge() {
        var limiter = RateLimiter()
        #expect(limiter.check(tpmKey, cost: 1001, limitPerMinute: 1000, at: t0) == .tooLarge(key: tpmKey, limit: 1000))
        #expect(limiter.check(rpmKey, cost: 1, limitPerMinute: 0, at: t0) == .tooLarge(key: rpmKey, limit: 0))
    }

    @Test("admit is all-or-nothing across limits")
    func admitAtomic() {
        var limiter = RateLimiter()
        let deploymentTPM = RateLimitKey.deployment("gpt-east", .tokens)
        _ = limiter.check(deploymentTPM, cost: 900, limitPerMinute: 1000, at: t0)
        let charges = [
            RateCharge(key: rpmKey, cost: 1, limitPerMinute: 10),
            RateCharge(key: tpmKey, cost: 200, limitPerMinute: 10_000),
            RateCharge(key: deploymentTPM, cost: 200, limitPerMinute: 1000),
        ]
        #expect(retryAfter(limiter.admit(charges, at: t0)) == 6)
        #expect(limiter.status(rpmKey, limitPerMinute: 10, at: t0).remaining == 10)
        #expect(limiter.status(tpmKey, limitPerMinute: 10_000, at: t0).remaining == 10_000)
        #expect(remaining(limiter.admit(charges, at: at(6))) == [9, 9800, 0])
    }

    @Test("headers carry limit, remaining and a Go-duration reset that RateLimitHeaders can read back")
    func headers() throws {
        var limiter = RateLimiter()
        guard case .allowed(let statuses) = limiter.check(tpmKey, cost: 250, limitPerMinute: 1000, at: t0) else {
            Issue.record("not allowed")
            return
        }
        let headers = try #require(statuses.first).headers
        #expect(headers.map(\.name) == ["x-ratelimit-limit-tokens", "x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens"])
        #expect(headers.map(\.value) == ["1000", "750", "15s"])
        for (seconds, text) in [(0.0, "0s"), (0.25, "250ms"), (1.5, "1.5s"), (60, "1m0s"), (90.5, "1m30.5s")] {
            #expect(RateLimitStatus.goDuration(seconds) == text)
            #expect(HeaderTimeFormats.goDuration(text) == seconds)
        }
    }

    @Test("prune drops drained keys only")
    func prune() {
        var limiter = RateLimiter()
        _ = limiter.check(rpmKey, cost: 1, limitPerMinute: 60, at: t0)
        _ = limiter.check(tpmKey, cost: 600, limitPerMinute: 600, at: t0)
        limiter.prune(at: at(2)) { $0.dimension == .requests ? 60 : 600 }
        #expect(limiter.keyCount == 1)
        limiter.prune(at: at(60)) { _ in 600 }
        #expect(limiter.keyCount == 0)
    }
}
