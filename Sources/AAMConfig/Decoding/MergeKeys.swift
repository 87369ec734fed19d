import Yams

/// YAML merge keys (`<<: *defaults`), so repeated settings can be written once:
///
/// ```yaml
/// providers:
///   - &sim { name: sim-a, protocol: simulated, simulation: { ttftMs: 5 } }
///   - { <<: *sim, name: sim-b }
/// ```
///
/// Fields written in the mapping win over merged ones; with a list of mappings, earlier ones win.
enum MergeKeys {
    /// The mapping's pairs with every `<<` replaced by the fields it brings in.
    static func expand(_ mapping: Node.Mapping, path: FieldPath, context: DecodingContext) -> [(Node, Node)] {
        var own: [(Node, Node)] = []
        var merged: [(Node, Node)] = []
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key, scalar.string == "<<", scalar.style == .plain || scalar.style == .any
            else {
                own.append((key, value))
                continue
            }
            let sources: [Node]
            switch value {
            case .mapping: sources = [value]
            case .sequence(let sequence): sources = Array(sequence)
            default: sources = [value]
            }
            for source in sources {
                guard case .mapping(let inner) = source else {
                    context.report(
                        path.child("<<"), at: source.mark, "expected a mapping to merge, got \(source.kindDescription)")
                    continue
                }
                merged.append(contentsOf: expand(inner, path: path, context: context))
            }
        }
        var seen = Set(own.compactMap { $0.0.scalar?.string })
        for (key, value) in merged {
            guard let name = key.scalar?.string, seen.insert(name).inserted else { continue }
            own.append((key, value))
        }
        return own
    }
}
