import AAMCore
import Yams

/// Decodes items of `orgs:`, `teams:` and `projects:`, the governance scope tree.
enum ScopeDecoders {
    static let orgFields = ["id", "name"] + GovernanceDecoder.fields
    static let teamFields = ["id", "orgId", "name"] + GovernanceDecoder.fields
    static let projectFields = ["id", "orgId", "teamId", "name"] + GovernanceDecoder.fields

    static func org(_ node: Node, path: FieldPath, context: DecodingContext) -> DeclaredOrg? {
        guard let reader = MappingReader(node, path: path, context: context, fields: orgFields) else { return nil }
        let id = reader.slug("id", required: true)
        let name = reader.string("name")?.text
        let limits = GovernanceDecoder.decode(reader)
        guard let id else { return nil }
        let org = Organization(id: id.text, name: name, budgets: limits.budgets, rpm: limits.rpm, tpm: limits.tpm, models: limits.models)
        return DeclaredOrg(id: id, org: org)
    }

    static func team(_ node: Node, path: FieldPath, context: DecodingContext) -> DeclaredTeam? {
        guard let reader = MappingReader(node, path: path, context: context, fields: teamFields) else { return nil }
        let id = reader.slug("id", required: true)
        let orgId = reader.slug("orgId", required: true)
        let name = reader.string("name")?.text
        let limits = GovernanceDecoder.decode(reader)
        guard let id else { return nil }
        var team = Team(id: id.text, orgId: orgId?.text ?? "", name: name)
        (team.budgets, team.rpm, team.tpm, team.models) = (limits.budgets, limits.rpm, limits.tpm, limits.models)
        return DeclaredTeam(id: id, team: team, orgId: orgId)
    }

    static func project(_ node: Node, path: FieldPath, context: DecodingContext) -> DeclaredProject? {
        guard let reader = MappingReader(node, path: path, context: context, fields: projectFields) else { return nil }
        let id = reader.slug("id", required: true)
        let orgId = reader.slug("orgId", required: true)
        let teamId = reader.slug("teamId")
        let name = reader.string("name")?.text
        let limits = GovernanceDecoder.decode(reader)
        guard let id else { return nil }
        var project = Project(id: id.text, orgId: orgId?.text ?? "", teamId: teamId?.text, name: name)
        (project.budgets, project.rpm, project.tpm, project.models) = (limits.budgets, limits.rpm, limits.tpm, limits.models)
        return DeclaredProject(id: id, project: project, orgId: orgId, teamId: teamId)
    }
}
