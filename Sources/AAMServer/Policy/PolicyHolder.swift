import AAMConfig
import AAMCore
import Logging
import Synchronization

/// The compiled AgentPolicy set the request path decides with: rebuilt by the config registry
/// whenever the stored policies change, and swapped whole, like the config snapshot. Reading it
/// is a pointer copy under a short lock; no database is involved in a decision.
final class PolicyHolder: Sendable {
    /// One compiled generation: the engine and the decoded policies it was built from.
    struct Compiled: Sendable {
        let engine: PolicyEngine
        /// Active policies by name, decoded, each with its stored version.
        let policies: [String: AgentPolicy]
        /// The stored entries the generation was built from (to reuse decodings).
        let stored: [String: StoredPolicy]

        static let empty = Compiled(engine: .empty, policies: [:], stored: [:])
    }

    private let current = Mutex<Compiled>(.empty)

    init() {}

    /// The current generation.
    var compiled: Compiled { current.withLock { $0 } }

    /// The current engine.
    var engine: PolicyEngine { compiled.engine }

    /// Builds the generation for `stored` and swaps it in. A stored text that no longer loads
    /// (it was validated when applied, so only a newer, stricter daemon can see this) is left
    /// out and logged: its workloads then fall back to default deny, never to "allowed".
    func rebuild(from stored: [String: StoredPolicy], logger: Logger? = nil) {
        let previous = compiled
        var policies: [String: AgentPolicy] = [:]
        for (name, entry) in stored where entry.isActive {
            if previous.stored[name] == entry, let decoded = previous.policies[name] {
                policies[name] = decoded
                continue
            }
            do {
                policies[name] = try Self.decode(entry)
            } catch {
                logger?.error("stored policy no longer loads; it is not applied", metadata: ["policy": .string(name), "error": .string(error.description)])
            }
        }
        // Names are the dictionary's keys, so no two policies share one.
        let engine = (try? PolicyEngine(policies: Array(policies.values))) ?? .empty
        current.withLock { $0 = Compiled(engine: engine, policies: policies, stored: stored) }
    }

    /// Loads a stored text and stamps the stored version on it.
    static func decode(_ entry: StoredPolicy) throws(ConfigErrors) -> AgentPolicy {
        var policy = try PolicyLoader.load(text: entry.document, file: "policy:\(entry.name)")
        policy.version = entry.version
        return policy
    }
}
