import AAMCore

/// Checks the rules that span entities (unique identities, references, fallback cycles, the
/// scope tree) and assembles the `LoadedConfig`.
enum ConfigValidator {
    static func validate(_ declared: DeclaredConfig, context: DecodingContext) -> LoadedConfig {
        let providers = UniqueIndex.build(
            declared.providers, identity: \.name, kind: "provider name", context: context)
        let deployments = UniqueIndex.build(
            declared.deployments, identity: \.id, kind: "deployment id", advice: "; set 'id' to tell them apart",
            context: context)
        let aliases = UniqueIndex.build(declared.aliases, identity: \.name, kind: "alias", context: context)
        let orgs = UniqueIndex.build(declared.orgs, identity: \.id, kind: "org id", context: context)
        let teams = UniqueIndex.build(declared.teams, identity: \.id, kind: "team id", context: context)
        let projects = UniqueIndex.build(declared.projects, identity: \.id, kind: "project id", context: context)
        let keys = UniqueIndex.build(declared.keys, identity: \.id, kind: "key id", context: context)

        for deployment in declared.deployments {
            guard let provider = deployment.provider else { continue }
            ReferenceCheck.resolve(
                provider, in: providers.keys, kind: "provider", plural: "providers", context: context)
        }
        let aliasNames = Set(aliases.keys).union(deployments.values.map(\.deployment.alias))
        FallbackRules.check(aliases: declared.aliases, aliasNames: aliasNames, context: context)

        let scopes = ScopeRules(orgs: orgs, teams: teams, projects: projects, context: context)
        declared.teams.forEach(scopes.checkTeam)
        declared.projects.forEach(scopes.checkProject)
        for key in declared.keys {
            scopes.checkKey(key)
            for model in key.models {
                ReferenceCheck.resolve(model, in: aliasNames, kind: "alias", plural: "aliases", context: context)
            }
        }
        checkDistinctSecrets(declared.keys, context: context)

        var state = ConfigState()
        state.providers = providers.mapValues(\.config)
        state.deployments = deployments.mapValues(\.deployment)
        state.aliases = aliases.mapValues(\.settings)
        state.orgs = orgs.mapValues(\.org)
        state.teams = teams.mapValues(\.team)
        state.projects = projects.mapValues(\.project)
        state.keys = keys.mapValues(\.key)
        state.guardrails = guardrails(declared.guardrails, context: context)
        state.workloads = UniqueIndex.build(declared.workloads, identity: \.spiffeId, kind: "workload", context: context).mapValues(\.registration)
        // A policy may name a workload the file does not register: the admin API may register it.
        _ = UniqueIndex.build(declared.policies, identity: \.name, kind: "policy name", context: context)
        let mcpServers = UniqueIndex.build(declared.mcpServers, identity: \.name, kind: "MCP server name", context: context)
        state.mcpServers = mcpServers.mapValues(\.server)
        var loaded = LoadedConfig(
            server: declared.server, state: state,
            credentials: providers.compactMapValues(\.credential),
            keySecrets: keys.compactMapValues(\.secret), prices: declared.pricing
        )
        var seenPolicies: Set<String> = []
        loaded.policies = declared.policies.filter { seenPolicies.insert($0.name.text).inserted }.map(\.config)
        loaded.mcpCredentials = mcpServers.mapValues(\.credential)
        return loaded
    }

    /// One policy per scope (`org:acme` written twice is an error at the second one).
    private static func guardrails(_ declared: [DeclaredGuardrail], context: DecodingContext) -> [String: GuardrailPolicy] {
        var result: [String: GuardrailPolicy] = [:]
        for item in declared {
            guard result[item.canonicalScope] == nil else {
                context.report(item.scope.path, at: item.scope.mark, "duplicate guardrail scope \(item.scope.display)")
                continue
            }
            result[item.canonicalScope] = item.policy
        }
        return result
    }

    /// Two keys with one secret would hash alike and be indistinguishable. Secrets are not echoed.
    private static func checkDistinctSecrets(_ keys: [DeclaredKey], context: DecodingContext) {
        var owners: [SecretValue: String] = [:]
        for key in keys {
            guard let secret = key.secret, let field = key.secretField else { continue }
            if let owner = owners[secret] {
                context.report(field.path, at: field.mark, "same secret as key '\(owner)' (each key needs its own)")
            } else {
                owners[secret] = key.id.text
            }
        }
    }
}
