import Synchronization

/// An immutable, indexed view of the configuration that the request path reads.
///
/// Built once per admin change and swapped atomically (`SnapshotHolder`), so a request sees one
/// consistent configuration from start to end and never touches the database.
public struct ConfigSnapshot: Sendable {
    public let version: Int
    public let state: ConfigState
    /// Current secrets' hashes, and rotated-out secrets' hashes still inside their grace period.
    public let keysByHash: [String: (key: VirtualKey, viaGrace: Bool)]
    /// Each alias's deployments, sorted by id for stable iteration.
    public let deploymentsByAlias: [String: [Deployment]]
    public let aliasNames: Set<String>

    public init(state: ConfigState, version: Int) {
        self.version = version
        self.state = state
        var byHash: [String: (key: VirtualKey, viaGrace: Bool)] = [:]
        for key in state.keys.values {
            if let grace = key.graceSecretHash { byHash[grace] = (key, true) }
            byHash[key.secretHash] = (key, false)
        }
        self.keysByHash = byHash
        var byAlias: [String: [Deployment]] = [:]
        for deployment in state.deployments.values { byAlias[deployment.alias, default: []].append(deployment) }
        for alias in byAlias.keys { byAlias[alias]?.sort { $0.id < $1.id } }
        self.deploymentsByAlias = byAlias
        self.aliasNames = state.aliasNames
    }

    public static let empty = ConfigSnapshot(state: ConfigState(), version: 0)

    public func settings(for alias: String) -> AliasSettings {
        state.aliases[alias] ?? AliasSettings(name: alias)
    }

    public func provider(named name: String) -> ProviderConfig? { state.providers[name] }

    /// Whether a deployment may take new calls: neither it nor its provider is drained, and the
    /// provider exists. The one drain rule every planner uses.
    public func isRoutable(_ deployment: Deployment) -> Bool {
        guard !deployment.drained, let provider = provider(named: deployment.provider) else { return false }
        return !provider.drained
    }

    /// Aliases the key may use, sorted: what `GET /v1/models` lists.
    public func aliases(visibleTo key: VirtualKey) -> [String] {
        aliasNames.filter { allows(key, alias: $0) }.sorted()
    }

    /// Whether `models` of the key and of every scope of its chain (org, team, project) allow
    /// `alias`; a scope without `models` allows every alias. A missing scope restricts nothing.
    public func allows(_ key: VirtualKey, alias: String) -> Bool {
        guard key.allows(alias: alias) else { return false }
        let chain = [
            state.orgs[key.orgId]?.models,
            key.teamId.flatMap { state.teams[$0]?.models },
            key.projectId.flatMap { state.projects[$0]?.models },
        ]
        return chain.allSatisfy { models in models.map { $0.contains(alias) } ?? true }
    }
}

/// Holds the current snapshot; readers get it without waiting on writers for more than a
/// pointer copy, and writers replace it whole.
public final class SnapshotHolder: Sendable {
    private let current: Mutex<ConfigSnapshot>

    public init(_ snapshot: ConfigSnapshot = .empty) { self.current = Mutex(snapshot) }

    public var snapshot: ConfigSnapshot { current.withLock { $0 } }

    public func replace(_ snapshot: ConfigSnapshot) { current.withLock { $0 = snapshot } }
}
