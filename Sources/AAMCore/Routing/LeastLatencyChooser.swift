/// The `least-latency` strategy: weighted power-of-two-choices over latency averages.
///
/// Two candidates are drawn independently by weight (with replacement) and the cheaper one
/// wins, cost being the latency average × (in-flight + 1), so a deployment that is fast but
/// piling up requests, or hanging, loses its edge. Guarantees:
/// - the fastest deployment gets most traffic, yet none is starved: a candidate drawn twice
///   wins regardless of cost, so every candidate keeps at least (weight share)² of the traffic
///   and goes on being measured; one slow sample therefore heals as fresh samples arrive;
/// - with equal costs the draw reduces exactly to the weighted distribution;
/// - an unmeasured deployment wins every comparison while none of its requests is in flight,
///   so it is explored one request at a time until its first sample lands.
public enum LeastLatencyChooser {
    /// The index of the chosen candidate, `nil` when there are none.
    public static func pick(_ candidates: [RoutingCandidate], random: any RandomSource) -> Int? {
        guard !candidates.isEmpty else { return nil }
        guard candidates.count > 1 else { return 0 }
        let first = WeightedDraw.pick(count: candidates.count, random: random) { candidates[$0].weight }
        let second = WeightedDraw.pick(count: candidates.count, random: random) { candidates[$0].weight }
        // Ties go to the first draw, which keeps equal-cost traffic exactly weighted.
        return cost(candidates[second]) < cost(candidates[first]) ? second : first
    }

    /// Attempt order: the power-of-two pick first, then the rest fastest first (unmeasured
    /// last), because a retry wants the deployment most likely to answer quickly.
    public static func order(_ candidates: [RoutingCandidate], random: any RandomSource) -> [Int] {
        guard let chosen = pick(candidates, random: random) else { return [] }
        let rest = candidates.indices.filter { $0 != chosen }.sorted { a, b in
            let left = candidates[a].latencySeconds ?? .infinity
            let right = candidates[b].latencySeconds ?? .infinity
            return left == right ? a < b : left < right
        }
        return [chosen] + rest
    }

    /// Expected wait on the candidate; negative means "explore it now".
    static func cost(_ candidate: RoutingCandidate) -> Double {
        guard let latency = candidate.latencySeconds else {
            return candidate.inFlight == 0 ? -1 : .infinity
        }
        return latency * Double(candidate.inFlight + 1)
    }
}
