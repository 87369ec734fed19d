import AAMCore
import Foundation
import Testing

private let now = Date(timeIntervalSince1970: 1_800_000_000)

private func deployment(_ id: String, weight: Int = 1, priority: Int = 0, region: String? = nil) -> Deployment {
    Deployment(id: id, alias: "chat", provider: "p-\(id)", upstreamModel: "m", weight: weight, priority: priority, region: region)
}

/// Puts `id` into a state by running one attempt that ends with `outcome`.
private func drive(_ registry: HealthRegistry, _ id: String, _ outcome: UpstreamOutcome, at date: Date = now) {
    guard case .admitted(let ticket, _) = registry.begin(id, at: date) else {
        Issue.record("\(id) refused")
        return
    }
    _ = registry.finish(ticket, outcome: outcome, at: date)
}

private func plan(
    _ candidates: [Deployment], _ strategy: AliasSettings.Strategy = .weighted, region: String? = nil,
    registry: HealthRegistry, seed: UInt64 = 1
) -> RoutePlan {
    RoutePlanner.plan(
        candidates: candidates, strategy: strategy, requiredRegion: region, health: registry, now: now,
        random: SeededRandomSource(seed: seed))
}

@Suite("RoutePlanner")
struct RoutingPlannerTests {
    @Test("unavailable and out-of-region deployments are left out, with the reason")
    func exclusion() {
        let registry = HealthRegistry()
        let candidates = [deployment("a", region: "eu"), deployment("b", region: "eu"), deployment("c", region: "us"), deployment("d")]
        drive(registry, "b", .rateLimited(retryAt: now.addingTimeInterval(2)))
        for seed in 0..<20 as Range<UInt64> {
            let result = plan(candidates, region: "eu", registry: registry, seed: seed)
            #expect(result.deployments.map(\.id) == ["a"])
            #expect(result.skipped.map(\.deployment.id) == ["b", "c", "d"])
            #expect(result.skipped.map(\.reason.code) == ["rate_limited", "region_mismatch", "region_mismatch"])
        }
        #expect(Set(plan(candidates, registry: registry).deployments.map(\.id)) == ["a", "c", "d"])
    }

    @Test("all cooling down from rate limits: 429 with the earliest reset")
    func allRateLimited() {
        let registry = HealthRegistry()
        let candidates = [deployment("a"), deployment("b"), deployment("far", region: "us")]
        drive(registry, "a", .rateLimited(retryAt: now.addingTimeInterval(7)))
        drive(registry, "b", .rateLimited(retryAt: now.addingTimeInterval(2.2)))
        let result = plan(Array(candidates.prefix(2)), registry: registry)
        #expect(result == .rateLimited(retryAt: now.addingTimeInterval(2.2), skipped: result.skipped))
        #expect(result.retryAfterSeconds(from: now) == 3)
        #expect(result.deployments.isEmpty)
        // A region mismatch does not turn "rate limited" into "unavailable".
        let regional = plan(candidates, region: nil, registry: registry)
        #expect(regional.deployments.map(\.id) == ["far"])
    }

    @Test("rate limited plus broken is unavailable (503), as is an empty or all-wrong-region alias")
    func unavailable() {
        let registry = HealthRegistry(policy: HealthPolicy(minimumRequests: 1))
        drive(registry, "a", .rateLimited(retryAt: now.addingTimeInterval(2)))
        drive(registry, "b", .serverError(status: 500))
        let result = plan([deployment("a"), deployment("b")], registry: registry)
        #expect(result == .unavailable(skipped: result.skipped))
        #expect(result.skipped.map(\.reason.code) == ["rate_limited", "circuit_open"])
        #expect(result.retryAfterSeconds(from: now) == nil)
        #expect(plan([], registry: registry) == .unavailable(skipped: []))
        #expect(plan([deployment("c", region: "us")], region: "eu", registry: registry).skipped.map(\.reason)
            == [.regionMismatch(required: "eu")])
    }

    @Test("priority: lower tiers first, each tier complete")
    func priority() {
        let registry = HealthRegistry()
        let candidates = [deployment("backup", priority: 2), deployment("main-1"), deployment("main-2"), deployment("mid", priority: 1)]
        for seed in 0..<20 as Range<UInt64> {
            let ids = plan(candidates, .priority, registry: registry, seed: seed).deployments.map(\.id)
            #expect(Set(ids.prefix(2)) == ["main-1", "main-2"] && ids.suffix(2) == ["mid", "backup"])
        }
    }

    @Test("least-busy reads in-flight counts from the registry")
    func leastBusy() {
        let registry = HealthRegistry()
        for _ in 0..<3 { _ = registry.begin("a", at: now) }
        _ = registry.begin("c", at: now)
        let candidates = [deployment("a"), deployment("b"), deployment("c")]
        for seed in 0..<20 as Range<UInt64> {
            #expect(plan(candidates, .leastBusy, registry: registry, seed: seed).deployments.map(\.id) == ["b", "c", "a"])
        }
    }

    @Test("least-latency reads latency averages from the registry")
    func leastLatency() {
        let registry = HealthRegistry()
        for (id, seconds) in [("slow", 2.0), ("fast", 0.1)] {
            guard case .admitted(let ticket, _) = registry.begin(id, at: now) else { return }
            _ = registry.finish(ticket, outcome: .success, at: now.addingTimeInterval(seconds))
        }
        let random = SeededRandomSource(seed: 8)
        var fastFirst = 0
        for _ in 0..<2_000 {
            let ids = RoutePlanner.plan(
                candidates: [deployment("slow"), deployment("fast")], strategy: .leastLatency, health: registry, now: now,
                random: random
            ).deployments.map(\.id)
            if ids.first == "fast" { fastFirst += 1 }
            #expect(Set(ids) == ["slow", "fast"])
        }
        #expect(abs(Double(fastFirst) / 2_000 - 0.75) < 0.04)
    }
}
