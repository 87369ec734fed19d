extension ConfigState {
    /// The scope chain above and including `scope`, broadest first, resolved through the
    /// configured scopes (a key's team and project, a project's team, a team's org). Unknown
    /// parents are simply left out.
    public func guardrailScopeChain(of scope: GuardrailScope) -> [GuardrailScope] {
        switch scope {
        case .org: return [scope]
        case .team(let id):
            return (teams[id].map { [GuardrailScope.org($0.orgId)] } ?? []) + [scope]
        case .project(let id):
            guard let project = projects[id] else { return [scope] }
            return GuardrailScope.chain(orgId: project.orgId, teamId: project.teamId, projectId: id, keyId: nil)
        case .key(let id):
            guard let key = keys[id] else { return [scope] }
            return GuardrailScope.chain(orgId: key.orgId, teamId: key.teamId, projectId: key.projectId, keyId: id)
        }
    }

    /// The effective guardrail policy at `scope`, after inheritance along its chain.
    public func effectiveGuardrails(at scope: GuardrailScope) -> EffectiveGuardrailPolicy {
        EffectiveGuardrailPolicy(chain: guardrailScopeChain(of: scope).compactMap { guardrails[$0.description] })
    }
}
