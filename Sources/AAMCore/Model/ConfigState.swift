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
    /// Guardrail policies by scope text (`org:acme`, `team:platform`, `project:x`, `key:ID`).
    public var guardrails: [String: GuardrailPolicy] = [:]
    /// AgentPolicies by name, as applied (text and broker-assigned version); deleted ones stay
    /// as tombstones so a re-created name never reuses a version.
    public var policies: [String: StoredPolicy] = [:]
    /// The workload registry: registrations by SPIFFE ID (`spiffe://prod/agent/x`).
    public var workloads: [String: WorkloadRegistration] = [:]
    /// The MCP tool catalog: upstream MCP servers by name, with their tool mappings.
    public var mcpServers: [String: MCPServerConfig] = [:]

    public init() {}

    private enum CodingKeys: String, CodingKey { case providers, deployments, aliases, keys, orgs, teams, projects, guardrails, policies, workloads, mcpServers }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        providers = try c.decodeIfPresent([String: ProviderConfig].self, forKey: .providers) ?? [:]
        deployments = try c.decodeIfPresent([String: Deployment].self, forKey: .deployments) ?? [:]
        aliases = try c.decodeIfPresent([String: AliasSettings].self, forKey: .aliases) ?? [:]
        keys = try c.decodeIfPresent([String: VirtualKey].self, forKey: .keys) ?? [:]
        orgs = try c.decodeIfPresent([String: Organization].self, forKey: .orgs) ?? [:]
        teams = try c.decodeIfPresent([String: Team].self, forKey: .teams) ?? [:]
        projects = try c.decodeIfPresent([String: Project].self, forKey: .projects) ?? [:]
        guardrails = try c.decodeIfPresent([String: GuardrailPolicy].self, forKey: .guardrails) ?? [:]
        policies = try c.decodeIfPresent([String: StoredPolicy].self, forKey: .policies) ?? [:]
        workloads = try c.decodeIfPresent([String: WorkloadRegistration].self, forKey: .workloads) ?? [:]
        mcpServers = try c.decodeIfPresent([String: MCPServerConfig].self, forKey: .mcpServers) ?? [:]
    }

    /// The guardrail policy chain that governs `key` (broadest first), only the scopes that
    /// have a policy. Empty when no scope in the chain has one.
    public func guardrailChain(for key: VirtualKey) -> [GuardrailPolicy] {
        guard !guardrails.isEmpty else { return [] }
        return GuardrailScope.chain(orgId: key.orgId, teamId: key.teamId, projectId: key.projectId, keyId: key.id)
            .compactMap { guardrails[$0.description] }
    }

    /// Alias names that exist: those with settings or with at least one deployment.
    public var aliasNames: Set<String> {
        Set(aliases.keys).union(deployments.values.map(\.alias))
    }
}

/// The kinds of configuration entity the store persists (one row per entity).
public enum EntityKind: String, Sendable, CaseIterable, Codable {
    case provider, deployment, alias, key, org, team, project, guardrail, policy, workload, mcpServer
}
