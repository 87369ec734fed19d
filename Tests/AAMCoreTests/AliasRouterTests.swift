import AAMCore
import Foundation
import Synchronization
import Testing

/// A random source that replays fixed values (cycling), to pin each draw.
final class ScriptedRandomSource: RandomSource {
    private let values: [Double]
    private let index = Atomic<Int>(0)

    init(_ values: [Double]) { self.values = values }

    func nextUnit() -> Double { values[index.wrappingAdd(1, ordering: .relaxed).oldValue % values.count] }
}

private func provider(_ name: String, drained: Bool = false) -> ProviderConfig {
    ProviderConfig(name: name, wireProtocol: .simulated, baseURL: "http://127.0.0.1", drained: drained)
}

private func snapshot(
    providers: [ProviderConfig], deployments: [Deployment], aliases: [AliasSettings] = []
) -> ConfigSnapshot {
    var state = ConfigState()
    for provider in providers { state.providers[provider.name] = provider }
    for deployment in deployments { state.deployments[deployment.id] = deployment }
    for alias in aliases { state.aliases[alias.name] = alias }
    return ConfigSnapshot(state: state, version: 1)
}

@Suite("AliasRouter")
struct AliasRouterTests {
    @Test("drained deployments and drained or missing providers are excluded")
    func eligibility() {
        let snap = snapshot(
            providers: [provider("up"), provider("down", drained: true)],
            deployments: [
                Deployment(id: "ok-1", alias: "chat", provider: "up", upstreamModel: "m"),
                Deployment(id: "ok-2", alias: "chat", provider: "up", upstreamModel: "m", weight: 0),
                Deployment(id: "drained", alias: "chat", provider: "up", upstreamModel: "m", drained: true),
                Deployment(id: "provider-drained", alias: "chat", provider: "down", upstreamModel: "m"),
                Deployment(id: "provider-missing", alias: "chat", provider: "ghost", upstreamModel: "m"),
                Deployment(id: "other-alias", alias: "embed", provider: "up", upstreamModel: "m"),
            ])
        for seed in 0..<50 as Range<UInt64> {
            let plan = AliasRouter.plan(alias: "chat", snapshot: snap, random: SeededRandomSource(seed: seed))
            #expect(Set(plan.map(\.id)) == ["ok-1", "ok-2"])
            #expect(plan.count == 2)
        }
    }

    @Test("an unknown alias, or one whose deployments are all ineligible, has an empty plan")
    func emptyPlans() {
        let snap = snapshot(
            providers: [provider("down", drained: true)],
            deployments: [
                Deployment(id: "a", alias: "chat", provider: "down", upstreamModel: "m"),
                Deployment(id: "b", alias: "chat", provider: "down", upstreamModel: "m", drained: true),
            ])
        #expect(AliasRouter.plan(alias: "chat", snapshot: snap, random: SeededRandomSource(seed: 1)).isEmpty)
        #expect(AliasRouter.plan(alias: "nope", snapshot: snap, random: SeededRandomSource(seed: 1)).isEmpty)
        #expect(AliasRouter.plan(alias: "chat", snapshot: .empty, random: SeededRandomSource(seed: 1)).isEmpty)
    }

    @Test("the priority strategy orders tiers lowest first, whatever the weights and draws")
    func priorityTiers() {
        let snap = snapshot(
            providers: [provider("p")],
            deployments: [
                Deployment(id: "backup-a", alias: "chat", provider: "p", upstreamModel: "m", weight: 100, priority: 2),
                Deployment(id: "primary-a", alias: "chat", provider: "p", upstreamModel: "m", weight: 1, priority: 0),
                Deployment(id: "primary-b", alias: "chat", provider: "p", upstreamModel: "m", weight: 1, priority: 0),
                Deployment(id: "middle", alias: "chat", provider: "p", upstreamModel: "m", weight: 50, priority: 1),
                Deployment(id: "negative", alias: "chat", provider: "p", upstreamModel: "m", weight: 1, priority: -1),
                Deployment(id: "drained-first", alias: "chat", provider: "p", upstreamModel: "m", priority: -5, drained: true),
            ],
            aliases: [AliasSettings(name: "chat", strategy: .priority)])
        var firstOfTier0: Set<String> = []
        for seed in 0..<200 as Range<UInt64> {
            let plan = AliasRouter.plan(alias: "chat", snapshot: snap, random: SeededRandomSource(seed: seed)).map(\.id)
            #expect(plan.count == 5)
            #expect(plan[0] == "negative")
            #expect(Set(plan[1...2]) == ["primary-a", "primary-b"])
            #expect(plan[3] == "middle")
            #expect(plan[4] == "backup-a")
            firstOfTier0.insert(plan[1])
        }
        #expect(firstOfTier0 == ["primary-a", "primary-b"], "within a tier the order is a weighted draw")
    }

    @Test("the weighted strategy ignores priority")
    func weightedIgnoresPriority() {
        let snap = snapshot(
            providers: [provider("p")],
            deployments: [
                Deployment(id: "low", alias: "chat", provider: "p", upstreamModel: "m", weight: 1, priority: 0),
                Deployment(id: "high", alias: "chat", provider: "p", upstreamModel: "m", weight: 1, priority: 9),
            ])
        var firsts: Set<String> = []
        for seed in 0..<100 as Range<UInt64> {
            firsts.insert(AliasRouter.plan(alias: "chat", snapshot: snap, random: SeededRandomSource(seed: seed))[0].id)
        }
        #expect(firsts == ["low", "high"])
    }

    @Test(
        "every eligible deployment appears in the plan exactly once",
        arguments: [AliasSettings.Strategy.weighted, .priority, .leastBusy, .leastLatency])
    func planIsPermutation(strategy: AliasSettings.Strategy) {
        let random = SeededRandomSource(seed: 7)
        for size in 1...12 {
            let deployments = (0..<size).map {
                Deployment(id: "d\($0)", alias: "chat", provider: "p", upstreamModel: "m", weight: $0 % 4, priority: $0 % 3)
            }
            let snap = snapshot(providers: [provider("p")], deployments: deployments, aliases: [AliasSettings(name: "chat", strategy: strategy)])
            for _ in 0..<20 {
                let plan = AliasRouter.plan(alias: "chat", snapshot: snap, random: random).map(\.id)
                #expect(plan.count == size)
                #expect(Set(plan) == Set(deployments.map(\.id)))
            }
        }
    }

    @Test(
        "property: first choices over 20,000 draws match the weights within ±2%",
        arguments: [[1, 1], [1, 3], [1, 2, 7], [5, 5, 10, 80], [1, 0, 3], [100, 1, 1, 1, 1]])
    func weightedDistribution(weights: [Int]) {
        let deployments = weights.enumerated().map {
            Deployment(id: "d\($0.offset)", alias: "chat", provider: "p", upstreamModel: "m", weight: $0.element)
        }
        let snap = snapshot(providers: [provider("p")], deployments: deployments)
        let random = SeededRandomSource(seed: 20_000)
        let draws = 20_000
        var counts: [String: Int] = [:]
        for _ in 0..<draws {
            counts[AliasRouter.plan(alias: "chat", snapshot: snap, random: random)[0].id, default: 0] += 1
        }
        let total = Double(weights.reduce(0, +))
        for (index, weight) in weights.enumerated() {
            let observed = Double(counts["d\(index)", default: 0]) / Double(draws)
            let expected = Double(weight) / total
            #expect(abs(observed - expected) <= 0.02, "d\(index): observed \(observed), expected \(expected)")
            if weight == 0 { #expect(counts["d\(index)"] == nil, "a zero-weight deployment is never first") }
        }
    }

    @Test("property: second choices follow the weights of the remaining deployments")
    func secondChoiceDistribution() {
        // Weights 6, 3, 1: when d0 went first, d1 is second with 3/4, d2 with 1/4.
        let deployments = [6, 3, 1].enumerated().map {
            Deployment(id: "d\($0.offset)", alias: "chat", provider: "p", upstreamModel: "m", weight: $0.element)
        }
        let snap = snapshot(providers: [provider("p")], deployments: deployments)
        let random = SeededRandomSource(seed: 99)
        var afterD0 = 0
        var d1Second = 0
        for _ in 0..<20_000 {
            let plan = AliasRouter.plan(alias: "chat", snapshot: snap, random: random).map(\.id)
            if plan[0] == "d0" {
                afterD0 += 1
                if plan[1] == "d1" { d1Second += 1 }
            }
        }
        #expect(abs(Double(d1Second) / Double(afterD0) - 0.75) <= 0.02)
    }

    @Test("zero-weight deployments come after every positive-weight one; all-zero is uniform")
    func zeroWeights() {
        let mixed = snapshot(
            providers: [provider("p")],
            deployments: [
                Deployment(id: "zero", alias: "chat", provider: "p", upstreamModel: "m", weight: 0),
                Deployment(id: "negative", alias: "chat", provider: "p", upstreamModel: "m", weight: -3),
                Deployment(id: "one", alias: "chat", provider: "p", upstreamModel: "m", weight: 1),
            ])
        let random = SeededRandomSource(seed: 3)
        for _ in 0..<500 {
            let plan = AliasRouter.plan(alias: "chat", snapshot: mixed, random: random).map(\.id)
            #expect(plan.first == "one")
            #expect(Set(plan.dropFirst()) == ["zero", "negative"])
        }

        let allZero = snapshot(
            providers: [provider("p")],
            deployments: (0..<4).map { Deployment(id: "z\($0)", alias: "chat", provider: "p", upstreamModel: "m", weight: 0) })
        var counts: [String: Int] = [:]
        for _ in 0..<20_000 {
            let plan = AliasRouter.plan(alias: "chat", snapshot: allZero, random: random)
            #expect(plan.count == 4)
            counts[plan[0].id, default: 0] += 1
        }
        for id in ["z0", "z1", "z2", "z3"] {
            #expect(abs(Double(counts[id, default: 0]) / 20_000 - 0.25) <= 0.02, "\(id)")
        }
    }

    @Test(
        "pick maps the unit interval onto cumulative weights",
        arguments: [
            (0.0, 0), (0.099, 0), (0.1, 1), (0.399, 1), (0.4, 2), (0.999_999, 2),
        ])
    func pickBoundaries(unit: Double, expected: Int) {
        #expect(WeightedChooser.pick([1, 3, 6], random: ScriptedRandomSource([unit])) == expected)
    }

    @Test("pick never returns an index outside the weights, even at the top of the unit interval")
    func pickEdges() {
        let almostOne = 1.0.nextDown
        #expect(WeightedChooser.pick([0, 0, 0], random: ScriptedRandomSource([almostOne])) == 2)
        #expect(WeightedChooser.pick([0, 0, 0], random: ScriptedRandomSource([0])) == 0)
        #expect(WeightedChooser.pick([5], random: ScriptedRandomSource([almostOne])) == 0)
        #expect(WeightedChooser.pick([0, 5, 0], random: ScriptedRandomSource([almostOne])) == 1)
        #expect(WeightedChooser.pick([0, 5, 0], random: ScriptedRandomSource([0])) == 1)
    }

    @Test("SeededRandomSource is deterministic per seed and stays in [0, 1)")
    func seededSource() {
        let a = SeededRandomSource(seed: 123)
        let b = SeededRandomSource(seed: 123)
        let c = SeededRandomSource(seed: 124)
        let first = (0..<1_000).map { _ in a.nextUnit() }
        #expect(first == (0..<1_000).map { _ in b.nextUnit() })
        #expect(first != (0..<1_000).map { _ in c.nextUnit() })
        #expect(first.allSatisfy { $0 >= 0 && $0 < 1 })
        #expect(Set(first).count > 990)
    }
}
