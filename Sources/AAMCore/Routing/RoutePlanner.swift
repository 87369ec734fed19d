import Foundation

/// Turns an alias's candidate deployments into the attempt plan for one request.
///
/// Pure apart from reading the registry's current loads: candidates, strategy, region, `now`
/// and a random source in; a `RoutePlan` out. Guarantees:
/// - a deployment outside `requiredRegion` (or with no region when one is required) or that
///   health refuses at `now` is never in the plan, and is listed in `skipped` with the reason;
/// - every other candidate is in the plan exactly once, ordered by the strategy: `weighted`
///   (weighted draws without replacement), `priority` (lowest `priority` tier first, weighted
///   within a tier), `least-latency` (`LeastLatencyChooser`), `least-busy` (`LeastBusyChooser`);
/// - when nothing is available and every in-region candidate is cooling down from a rate
///   limit, the plan is `.rateLimited` with the earliest reset.
///
/// The plan is advisory: `HealthRegistry.begin` is the authoritative admission (another
/// request may take a half-open probe first). Drain filtering happens before, in the caller.
public enum RoutePlanner {
    public static func plan(
        candidates: [Deployment], strategy: AliasSettings.Strategy, requiredRegion: String? = nil,
        health: HealthRegistry, now: Date, random: any RandomSource
    ) -> RoutePlan {
        var usable: [Deployment] = []
        var loads: [DeploymentLoad] = []
        var skipped: [SkippedDeployment] = []
        usable.reserveCapacity(candidates.count)
        loads.reserveCapacity(candidates.count)
        for deployment in candidates {
            if let requiredRegion, deployment.region != requiredRegion {
                skipped.append(SkippedDeployment(deployment: deployment, reason: .regionMismatch(required: requiredRegion)))
                continue
            }
            let load = health.load(deployment.id, at: now)
            guard load.availability.isAvailable else {
                skipped.append(SkippedDeployment(deployment: deployment, reason: .unhealthy(load.availability)))
                continue
            }
            usable.append(deployment)
            loads.append(load)
        }
        guard !usable.isEmpty else { return exhausted(skipped) }
        return .attempts(order(usable, loads: loads, strategy: strategy, random: random), skipped: skipped)
    }

    static func order(
        _ deployments: [Deployment], loads: [DeploymentLoad], strategy: AliasSettings.Strategy, random: any RandomSource
    ) -> [Deployment] {
        switch strategy {
        case .weighted:
            return WeightedChooser.order(deployments, random: random)
        case .priority:
            let tiers = Dictionary(grouping: deployments, by: \.priority).sorted { $0.key < $1.key }
            return tiers.flatMap { WeightedChooser.order($0.value, random: random) }
        case .leastLatency, .leastBusy:
            let candidates = zip(deployments, loads).map { deployment, load in
                RoutingCandidate(weight: deployment.weight, inFlight: load.inFlight, latencySeconds: load.latencySeconds)
            }
            let indices = strategy == .leastLatency
                ? LeastLatencyChooser.order(candidates, random: random)
                : LeastBusyChooser.order(candidates, random: random)
            return indices.map { deployments[$0] }
        }
    }

    /// No deployment is usable: 429 if every in-region candidate is merely rate limited.
    private static func exhausted(_ skipped: [SkippedDeployment]) -> RoutePlan {
        var earliest: Date?
        var inRegion = 0
        for entry in skipped {
            switch entry.reason {
            case .regionMismatch:
                continue
            case .unhealthy(.rateLimited(let until)):
                inRegion += 1
                earliest = min(earliest ?? until, until)
            case .unhealthy:
                return .unavailable(skipped: skipped)
            }
        }
        guard inRegion > 0, let earliest else { return .unavailable(skipped: skipped) }
        return .rateLimited(retryAt: earliest, skipped: skipped)
    }
}
