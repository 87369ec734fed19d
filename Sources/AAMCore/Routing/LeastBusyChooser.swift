/// The `least-busy` strategy: fewest attempts in flight first.
///
/// Guarantees: the first index has the lowest in-flight count; candidates with equal counts
/// are ordered randomly in proportion to their weights (uniformly when weights are equal),
/// with weight-0 candidates after the weighted ones of the same count, so ties never pile onto
/// one deployment.
public enum LeastBusyChooser {
    /// The index of the idlest candidate, `nil` when there are none.
    public static func pick(_ candidates: [RoutingCandidate], random: any RandomSource) -> Int? {
        order(candidates, random: random).first
    }

    /// Every index, idlest first.
    public static func order(_ candidates: [RoutingCandidate], random: any RandomSource) -> [Int] {
        let keyed = candidates.enumerated().map { index, candidate in
            (index: index, inFlight: candidate.inFlight, draw: WeightedDraw.key(weight: candidate.weight, random: random))
        }
        return keyed.sorted { a, b in
            if a.inFlight != b.inFlight { return a.inFlight < b.inFlight }
            if a.draw.key != b.draw.key { return a.draw.key > b.draw.key }
            return a.draw.tieBreak > b.draw.tieBreak
        }.map(\.index)
    }
}
