/// Everything an admin can configure, as plain values. The admin API, the config file and the
/// console all edit a `ConfigState`; the data path reads the `ConfigSnapshot` built from it.
public struct ConfigState: Sendable, Hashable, Codable {
    public var providers: [String: ProviderConfig] = [:]
    public var deployments: [String: Deployment] = [:]
    public var aliases: [String: AliasSettings] = [:]
    public var keys: [String: VirtualKey] = [:]
    public var orgs: [String: Organization] = [:]
    public var teams: [String: Team] = [:]
    public var projects: [String: Project] = [:]

    public init() {}

    /// Alias names that exist: those with settings or with at least one deployment.
    public var aliasNames: Set<String> {
        Set(aliases.keys).union(deployments.values.map(\.alias))
    }
}

/// The kinds of configuration entity the store persists (one row per entity).
public enum EntityKind: String, Sendable, CaseIterable, Codable {
    case provider, deployment, alias, key, org, team, project
}
