import AAMCore
import Foundation
import Testing

/// Share of each index among `draws` picks.
private func shares(count: Int, draws: Int, pick: () -> Int) -> [Double] {
    var tally = Array(repeating: 0, count: count)
    for _ in 0..<draws { tally[pick()] += 1 }
    return tally.map { Double($0) / Double(draws) }
}

/// The exact distribution of weighted power-of-two-choices with replacement: a candidate wins
/// when drawn twice, or drawn once with a costlier (or, as first draw, equally costly) rival.
private func expectedP2C(weights: [Double], costs: [Double]) -> [Double] {
    let total = weights.reduce(0, +)
    let p = weights.map { $0 / total }
    return p.indices.map { i in
        var share = p[i] * p[i]
        for j in p.indices where j != i {
            if costs[i] < costs[j] { share += 2 * p[i] * p[j] } else if costs[i] == costs[j] { share += p[i] * p[j] }
        }
        return share
    }
}

@Suite("Routing choosers")
struct RoutingChooserTests {
    @Test("least-latency: exact weighted P2C distribution over 20,000 draws", arguments: [
        ([1.0, 1, 1], [0.1, 0.2, 0.3]),
        ([1.0, 3], [0.1, 0.5]),
        ([1.0, 2, 7], [0.2, 0.2, 0.2]),  // equal latency: plain weighted shares
        ([5.0, 1, 1, 3], [0.4, 0.1, 0.3, 0.2]),
    ])
    func p2cDistribution(weights: [Double], latencies: [Double]) {
        let candidates = zip(weights, latencies).map { RoutingCandidate(weight: Int($0), latencySeconds: $1) }
        let random = SeededRandomSource(seed: 42)
        let observed = shares(count: candidates.count, draws: 20_000) { LeastLatencyChooser.pick(candidates, random: random)! }
        let expected = expectedP2C(weights: weights, costs: latencies)
        for (seen, wanted) in zip(observed, expected) {
            #expect(abs(seen - wanted) < 0.015, "observed \(observed), expected \(expected)")
        }
    }

    @Test("least-latency: one slow sample does not starve a deployment, and its average recovers")
    func slowSampleRecovers() {
        let trueLatency = [0.10, 0.12, 0.15]
        var averages = trueLatency.map { _ in LatencyEWMA(smoothing: 0.3) }
        averages[0].add(seconds: 0.10)
        averages[1].add(seconds: 5.0)  // one pathological sample
        averages[2].add(seconds: 0.15)
        let random = SeededRandomSource(seed: 2024)
        var tally = [0, 0, 0]
        var windowTally = [0, 0, 0]
        var recoveredAfter: Int?
        for draw in 1...20_000 {
            let candidates = averages.map { RoutingCandidate(latencySeconds: $0.seconds) }
            let chosen = LeastLatencyChooser.pick(candidates, random: random)!
            averages[chosen].add(seconds: trueLatency[chosen])
            tally[chosen] += 1
            windowTally[chosen] += 1
            if recoveredAfter == nil, averages[1].seconds! < 0.13 { recoveredAfter = draw }
            if draw % 1_000 == 0 {
                #expect(windowTally.allSatisfy { $0 > 0 }, "starved in draws \(draw - 999)...\(draw): \(windowTally)")
                windowTally = [0, 0, 0]
            }
        }
        #expect((recoveredAfter ?? .max) < 500, "recovered after \(recoveredAfter.map(String.init) ?? "never")")
        #expect(tally[0] > tally[1] && tally[1] > tally[2])  // fastest gets most
        let share = tally.map { Double($0) / 20_000 }
        #expect(abs(share[0] - 5.0 / 9) < 0.02 && abs(share[1] - 3.0 / 9) < 0.02 && abs(share[2] - 1.0 / 9) < 0.02)
    }

    @Test("least-latency: an unmeasured deployment is explored one request at a time")
    func exploration() {
        let random = SeededRandomSource(seed: 9)
        let idle = [RoutingCandidate(latencySeconds: 0.1), RoutingCandidate()]
        let explored = shares(count: 2, draws: 4_000) { LeastLatencyChooser.pick(idle, random: random)! }
        #expect(abs(explored[1] - 0.75) < 0.03)  // wins every pairing it is part of
        let busy = [RoutingCandidate(latencySeconds: 0.1), RoutingCandidate(inFlight: 1)]
        let waiting = shares(count: 2, draws: 4_000) { LeastLatencyChooser.pick(busy, random: random)! }
        #expect(abs(waiting[1] - 0.25) < 0.03)  // only when drawn twice, until its sample lands
    }

    @Test("least-latency: requests piling up on the fast deployment shift traffic away")
    func inFlightPenalty() {
        let random = SeededRandomSource(seed: 11)
        let candidates = [RoutingCandidate(inFlight: 4, latencySeconds: 0.1), RoutingCandidate(inFlight: 0, latencySeconds: 0.2)]
        let observed = shares(count: 2, draws: 4_000) { LeastLatencyChooser.pick(candidates, random: random)! }
        #expect(abs(observed[1] - 0.75) < 0.03)
        #expect(LeastLatencyChooser.pick([], random: random) == nil)
        #expect(LeastLatencyChooser.pick([RoutingCandidate(weight: 0)], random: random) == 0)
    }

    @Test("least-latency order: the pick first, then fastest known, unmeasured last")
    func latencyOrder() {
        let candidates = [
            RoutingCandidate(latencySeconds: 0.3), RoutingCandidate(inFlight: 1), RoutingCandidate(latencySeconds: 0.1),
            RoutingCandidate(latencySeconds: 0.2),
        ]
        let random = SeededRandomSource(seed: 5)
        for _ in 0..<200 {
            let order = LeastLatencyChooser.order(candidates, random: random)
            #expect(Set(order) == [0, 1, 2, 3] && order.count == 4)
            let rest = order.dropFirst().filter { $0 != 1 }
            let restLatencies = rest.map { candidates[$0].latencySeconds! }
            #expect(restLatencies == restLatencies.sorted())
            if order.first != 1 { #expect(order.last == 1) }
        }
    }

    @Test("least-busy picks the idlest; ties split randomly by weight")
    func leastBusy() {
        let random = SeededRandomSource(seed: 3)
        let candidates = [3, 0, 2, 0, 5].map { RoutingCandidate(inFlight: $0) }
        let observed = shares(count: 5, draws: 4_000) { LeastBusyChooser.pick(candidates, random: random)! }
        #expect(observed[0] == 0 && observed[2] == 0 && observed[4] == 0)
        #expect(abs(observed[1] - 0.5) < 0.03 && abs(observed[3] - 0.5) < 0.03)
        for _ in 0..<100 {
            let order = LeastBusyChooser.order(candidates, random: random)
            #expect(order.map { candidates[$0].inFlight } == [0, 0, 2, 3, 5])
        }
        let weighted = [RoutingCandidate(weight: 1, inFlight: 1), RoutingCandidate(weight: 3, inFlight: 1)]
        let split = shares(count: 2, draws: 8_000) { LeastBusyChooser.pick(weighted, random: random)! }
        #expect(abs(split[1] - 0.75) < 0.03)
        let standby = [RoutingCandidate(weight: 0), RoutingCandidate(weight: 1), RoutingCandidate(weight: 0, inFlight: 0)]
        for _ in 0..<100 { #expect(LeastBusyChooser.order(standby, random: random).first == 1) }
        #expect(LeastBusyChooser.pick([], random: random) == nil)
    }
}
