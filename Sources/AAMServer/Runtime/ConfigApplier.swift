import AAMConfig
import AAMCore
import Foundation

extension ConfigRegistry {
    /// Applies a declarative config file (at start and on SIGHUP): every declared entity is
    /// created or updated (policies and MCP servers too); entities created through the admin
    /// API are left alone. Everything lands in one commit, audited as `config.apply`.
    ///
    /// Operator state survives a re-apply: drained flags, and for keys that already exist their
    /// secret, rotation and revocation (a declared key secret is used only to create the key).
    public func apply(_ loaded: LoadedConfig, keys authority: KeyAuthority, source: String) async throws -> Int {
        try await exclusively { try await applyExclusively(loaded, keys: authority, source: source) }
    }

    private func applyExclusively(_ loaded: LoadedConfig, keys authority: KeyAuthority, source: String) async throws -> Int {
        var draft = state
        var changed: [(EntityKind, String)] = []
        for (name, declared) in loaded.state.providers {
            var provider = declared
            provider.drained = state.providers[name]?.drained ?? false
            if let secret = loaded.credentials[name] {
                provider.credential = try vault.seal(secret, owner: name)
            } else {
                provider.credential = state.providers[name]?.credential
            }
            draft.providers[name] = provider
            changed.append((.provider, name))
        }
        for (id, declared) in loaded.state.deployments {
            var deployment = declared
            deployment.drained = state.deployments[id]?.drained ?? false
            draft.deployments[id] = deployment
            changed.append((.deployment, id))
        }
        for (name, settings) in loaded.state.aliases {
            draft.aliases[name] = settings
            changed.append((.alias, name))
        }
        for (id, org) in loaded.state.orgs { draft.orgs[id] = org; changed.append((.org, id)) }
        for (id, team) in loaded.state.teams { draft.teams[id] = team; changed.append((.team, id)) }
        for (id, project) in loaded.state.projects { draft.projects[id] = project; changed.append((.project, id)) }
        for (scope, policy) in loaded.state.guardrails { draft.guardrails[scope] = policy; changed.append((.guardrail, scope)) }
        // Like the admin API: a workload naming a scope not declared yet creates it empty.
        for (id, workload) in loaded.state.workloads.sorted(by: { $0.key < $1.key }) {
            changed += try Self.ensureScopes(orgId: workload.orgId, teamId: workload.teamId, projectId: workload.projectId, in: &draft)
            draft.workloads[id] = workload
            changed.append((.workload, id))
        }
        let now = clock.now()
        // Policies version exactly as through the admin API: an unchanged one keeps its version.
        for declared in loaded.policies where Self.stagePolicy(declared.policy, document: declared.document, in: &draft, now: now).changed {
            changed.append((.policy, declared.name))
        }
        // The declared tool list replaces the server's tool map; servers made through the
        // admin API only are left alone.
        for (name, declared) in loaded.state.mcpServers {
            var server = declared
            let owner = MCPServerConfig.credentialOwner(name)
            let existing = state.mcpServers[name]?.credential
            if let secret = loaded.mcpCredentials[name], existing.flatMap({ try? vault.open($0, owner: owner) }) != secret {
                server.credential = try vault.seal(secret, owner: owner)
            } else {
                // Unchanged: keep the sealed value, so a re-apply leaves the server as it was
                // (and tokens cached for its credential stay valid).
                server.credential = existing
            }
            draft.mcpServers[name] = server
            changed.append((.mcpServer, name))
        }
        for (id, declared) in loaded.state.keys {
            var key = declared
            if let existing = state.keys[id] {
                key.secretHash = existing.secretHash
                key.prefix = existing.prefix
                key.createdAt = existing.createdAt
                key.revokedAt = existing.revokedAt
                key.graceSecretHash = existing.graceSecretHash
                key.graceUntil = existing.graceUntil
                key.lastRotatedAt = existing.lastRotatedAt
            } else if let secret = loaded.keySecrets[id] {
                key.secretHash = authority.hash(secret.revealForTransport())
                key.prefix = VirtualKeyFormat.prefix(of: secret.revealForTransport())
                key.createdAt = now
            } else {
                continue
            }
            draft.keys[id] = key
            changed.append((.key, id))
        }
        try await commit(draft, changed: changed, actor: source, action: "config.apply", target: source)
        return changed.count
    }
}
