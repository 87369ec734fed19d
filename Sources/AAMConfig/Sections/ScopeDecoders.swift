import AAMCore
import Yams

/// Decodes items of `orgs:`, `teams:` and `projects:`, the governance scope tree.
enum ScopeDecoders {
    static let orgFields = ["id", "name"]
    static let teamFields = ["id", "orgId", "name"]
    static let projectFields = ["id", "orgId", "teamId", "name"]

    static func org(_ node: Node, path: FieldPath, context: DecodingContext) -> DeclaredOrg? {
        guard let reader = MappingReader(node, path: path, context: context, fields: orgFields) else { return nil }
        let id = reader.slug("id", required: true)
        let name = reader.string("name")?.text
        guard let id else { return nil }
        return DeclaredOrg(id: id, org: Organization(id: id.text, name: name))
    }

    static func team(_ node: Node, path: FieldPath, context: DecodingContext) -> DeclaredTeam? {
        guard let reader = MappingReader(node, path: path, context: context, fields: teamFields) else { return nil }
        let id = reader.slug("id", required: true)
        let orgId = reader.slug("orgId", required: true)
        let name = reader.string("name")?.text
        guard let id else { return nil }
        return DeclaredTeam(id: id, team: Team(id: id.text, orgId: orgId?.text ?? "", name: name), orgId: orgId)
    }

    static func project(_ node: Node, path: FieldPath, context: DecodingContext) -> DeclaredProject? {
        guard let reader = MappingReader(node, path: path, context: context, fields: projectFields) else { return nil }
        let id = reader.slug("id", required: true)
        let orgId = reader.slug("orgId", required: true)
        let teamId = reader.slug("teamId")
        let name = reader.string("name")?.text
        guard let id else { return nil }
        let project = Project(id: id.text, orgId: orgId?.text ?? "", teamId: teamId?.text, name: name)
        return DeclaredProject(id: id, project: project, orgId: orgId, teamId: teamId)
    }
}
