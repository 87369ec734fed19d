/// Rules on the org -> team -> project tree and on what keys point at: every id exists, and a
/// team or project named together with an org belongs to that org (and a project to that team).
struct ScopeRules {
    let orgs: [String: DeclaredOrg]
    let teams: [String: DeclaredTeam]
    let projects: [String: DeclaredProject]
    let context: DecodingContext

    func checkTeam(_ team: DeclaredTeam) {
        if let orgId = team.orgId { org(orgId) }
    }

    func checkProject(_ project: DeclaredProject) {
        check(orgId: project.orgId, teamId: project.teamId, projectId: nil)
    }

    func checkKey(_ key: DeclaredKey) {
        check(orgId: key.orgId, teamId: key.teamId, projectId: key.projectId)
    }

    /// Each reference exists; the team and project sit in the org; the project sits in the team.
    private func check(orgId: ScalarValue?, teamId: ScalarValue?, projectId: ScalarValue?) {
        let orgExists = orgId.map { org($0) } ?? false
        if let teamId, let team = resolve(teamId, in: teams, kind: "team", plural: "teams")?.team,
            orgExists, let orgId, team.orgId != orgId.text
        {
            context.report(
                teamId.path, at: teamId.mark, "team '\(team.id)' belongs to org '\(team.orgId)', not '\(orgId.text)'")
        }
        guard let projectId,
            let project = resolve(projectId, in: projects, kind: "project", plural: "projects")?.project
        else { return }
        if orgExists, let orgId, project.orgId != orgId.text {
            context.report(
                projectId.path, at: projectId.mark,
                "project '\(project.id)' belongs to org '\(project.orgId)', not '\(orgId.text)'")
        } else if let teamId, let projectTeam = project.teamId, projectTeam != teamId.text {
            context.report(
                projectId.path, at: projectId.mark,
                "project '\(project.id)' belongs to team '\(projectTeam)', not '\(teamId.text)'")
        }
    }

    @discardableResult
    private func org(_ reference: ScalarValue) -> Bool {
        ReferenceCheck.resolve(reference, in: orgs.keys, kind: "org", plural: "orgs", context: context)
    }

    private func resolve<Item>(_ reference: ScalarValue, in index: [String: Item], kind: String, plural: String)
        -> Item?
    {
        guard ReferenceCheck.resolve(reference, in: index.keys, kind: kind, plural: plural, context: context) else {
            return nil
        }
        return index[reference.text]
    }
}
