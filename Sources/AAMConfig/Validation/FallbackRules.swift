/// Rules on alias fallbacks: each names an existing alias other than itself, once, and following
/// fallbacks never leads back to where it started (a cycle would retry forever).
enum FallbackRules {
    static func check(aliases: [DeclaredAlias], aliasNames: Set<String>, context: DecodingContext) {
        var graph: [String: [ScalarValue]] = [:]
        for alias in aliases {
            var seen: Set<String> = []
            for fallback in alias.fallbacks {
                if fallback.text == alias.name.text {
                    context.report(fallback.path, at: fallback.mark, "an alias cannot fall back to itself")
                } else if !seen.insert(fallback.text).inserted {
                    context.report(fallback.path, at: fallback.mark, "\(fallback.display) is listed twice")
                } else if ReferenceCheck.resolve(
                    fallback, in: aliasNames, kind: "alias", plural: "aliases", context: context)
                {
                    graph[alias.name.text, default: []].append(fallback)
                }
            }
            if let target = alias.contextWindowFallback {
                if target.text == alias.name.text {
                    context.report(target.path, at: target.mark, "an alias cannot fall back to itself")
                } else {
                    ReferenceCheck.resolve(target, in: aliasNames, kind: "alias", plural: "aliases", context: context)
                }
            }
        }
        reportCycles(aliases: aliases, graph: graph, context: context)
    }

    /// Reports each distinct cycle once, at the earliest declared alias on it.
    private static func reportCycles(
        aliases: [DeclaredAlias], graph: [String: [ScalarValue]], context: DecodingContext
    ) {
        var reported: Set<Set<String>> = []
        for alias in aliases {
            guard let path = shortestPathBack(to: alias.name.text, graph: graph) else { continue }
            guard reported.insert(Set(path)).inserted else { continue }
            let firstHop = graph[alias.name.text]?.first { $0.text == path[1] }
            let cycle = (path + [alias.name.text]).joined(separator: " -> ")
            context.report(firstHop?.path ?? alias.name.path, at: firstHop?.mark, "fallback cycle: \(cycle)")
        }
    }

    /// The aliases on the shortest fallback path from `start` back to itself (starting with
    /// `start`, not repeating it), or nil when there is none. Breadth-first, so deterministic.
    private static func shortestPathBack(to start: String, graph: [String: [ScalarValue]]) -> [String]? {
        var parent: [String: String] = [:]
        var queue = [start]
        var visited: Set<String> = [start]
        var head = 0
        while head < queue.count {
            let current = queue[head]
            head += 1
            for next in graph[current] ?? [] {
                if next.text == start {
                    var path = [current]
                    while let previous = parent[path[0]] { path.insert(previous, at: 0) }
                    return path
                }
                if visited.insert(next.text).inserted {
                    parent[next.text] = current
                    queue.append(next.text)
                }
            }
        }
        return nil
    }
}
