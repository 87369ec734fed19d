import AAMCore
import Synchronization

/// Compiled guardrail engines per scope chain, for the current snapshot version only.
///
/// Many keys share a chain, and compiling is the expensive part, so the hot path looks the
/// engine up here; the cache empties itself when it sees a newer snapshot version.
final class GuardrailEngines: Sendable {
    private struct Cache {
        var version = -1
        var engines: [[String]: GuardrailEngine] = [:]
    }
    private let cache = Mutex(Cache())

    /// The engine governing `key` under `snapshot`; nil when no scope in its chain has a policy
    /// (the common case, no work at all) or the policies cannot compile (validated on write).
    func engine(for key: VirtualKey, in snapshot: ConfigSnapshot) -> GuardrailEngine? {
        let state = snapshot.state
        guard !state.guardrails.isEmpty else { return nil }
        let scopes = GuardrailScope.chain(orgId: key.orgId, teamId: key.teamId, projectId: key.projectId, keyId: key.id)
            .map(\.description).filter { state.guardrails[$0] != nil }
        guard !scopes.isEmpty else { return nil }
        if let cached = cache.withLock({ $0.version == snapshot.version ? $0.engines[scopes] : nil }) { return cached }
        guard let engine = try? GuardrailEngine(policy: EffectiveGuardrailPolicy(chain: scopes.compactMap { state.guardrails[$0] })) else {
            return nil
        }
        cache.withLock { cache in
            if cache.version != snapshot.version {
                guard cache.version < snapshot.version else { return }
                cache = Cache(version: snapshot.version)
            }
            cache.engines[scopes] = engine
        }
        return engine
    }
}
