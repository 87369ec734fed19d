/// Orders an alias's deployments into the attempt plan for one request.
///
/// Pure: the snapshot and a random source in, an ordered list out. Drained deployments and
/// deployments of drained or missing providers are excluded. The first entry is a weighted
/// random choice; the rest follow as further weighted draws without replacement, so retries go
/// to other deployments in proportion to their weights.
public enum AliasRouter {
    public static func plan(alias: String, snapshot: ConfigSnapshot, random: any RandomSource) -> [Deployment] {
        let eligible = (snapshot.deploymentsByAlias[alias] ?? []).filter(snapshot.isRoutable)
        let byPriority = snapshot.settings(for: alias).strategy == .priority
        if byPriority {
            let tiers = Dictionary(grouping: eligible, by: \.priority).sorted { $0.key < $1.key }
            return tiers.flatMap { WeightedChooser.order($0.value, random: random) }
        }
        return WeightedChooser.order(eligible, random: random)
    }
}

/// Weighted random ordering without replacement.
public enum WeightedChooser {
    public static func order(_ deployments: [Deployment], random: any RandomSource) -> [Deployment] {
        var remaining = deployments
        var ordered: [Deployment] = []
        ordered.reserveCapacity(remaining.count)
        while !remaining.isEmpty {
            let index = pick(remaining.map { max(0, $0.weight) }, random: random)
            ordered.append(remaining.remove(at: index))
        }
        return ordered
    }

    /// Index chosen with probability proportional to its weight (uniform when all are zero).
    public static func pick(_ weights: [Int], random: any RandomSource) -> Int {
        let total = weights.reduce(0, +)
        guard total > 0 else { return min(weights.count - 1, Int(random.nextUnit() * Double(weights.count))) }
        var target = random.nextUnit() * Double(total)
        for (index, weight) in weights.enumerated() {
            target -= Double(weight)
            if target < 0 { return index }
        }
        return weights.lastIndex { $0 > 0 } ?? 0
    }
}
