import AAMCore
import Foundation

struct ScopeInput: Decodable, Sendable {
    static let fields: Set<String> = ["id", "name", "orgId", "teamId", "budgets", "rpm", "tpm", "models"]
    var id: String
    var name: String?
    var orgId: String?
    var teamId: String?
    var budgets: [BudgetInput]?
    var rpm: Int64?
    var tpm: Int64?
    var models: [String]?

    func governance() throws(AdminError) -> GovernanceFields {
        try GovernanceFields(budgets: budgets, rpm: rpm, tpm: tpm, models: models)
    }
}

extension ConfigRegistry {
    func createOrg(_ input: ScopeInput, actor: String) async throws -> Organization {
        try AdminValidation.slug(input.id, field: "id")
        let fields = try input.governance()
        return try await mutate(actor: actor, action: "org.create", target: input.id) { state throws(AdminError) in
            guard state.orgs[input.id] == nil else { throw AdminError.conflict("org '\(input.id)' already exists") }
            var org = Organization(id: input.id, name: input.name)
            (org.budgets, org.rpm, org.tpm, org.models) = (fields.budgets, fields.rpm, fields.tpm, fields.models)
            state.orgs[org.id] = org
            return (org, [(.org, org.id)])
        }
    }

    func createTeam(_ input: ScopeInput, actor: String) async throws -> Team {
        try AdminValidation.slug(input.id, field: "id")
        guard let orgId = input.orgId else { throw AdminError("is required", field: "orgId") }
        let fields = try input.governance()
        return try await mutate(actor: actor, action: "team.create", target: input.id) { state throws(AdminError) in
            guard state.teams[input.id] == nil else { throw AdminError.conflict("team '\(input.id)' already exists") }
            guard state.orgs[orgId] != nil else { throw AdminError("unknown org '\(orgId)'", field: "orgId") }
            var team = Team(id: input.id, orgId: orgId, name: input.name)
            (team.budgets, team.rpm, team.tpm, team.models) = (fields.budgets, fields.rpm, fields.tpm, fields.models)
            state.teams[team.id] = team
            return (team, [(.team, team.id)])
        }
    }

    func createProject(_ input: ScopeInput, actor: String) async throws -> Project {
        try AdminValidation.slug(input.id, field: "id")
        guard let orgId = input.orgId else { throw AdminError("is required", field: "orgId") }
        let fields = try input.governance()
        return try await mutate(actor: actor, action: "project.create", target: input.id) { state throws(AdminError) in
            guard state.projects[input.id] == nil else { throw AdminError.conflict("project '\(input.id)' already exists") }
            guard state.orgs[orgId] != nil else { throw AdminError("unknown org '\(orgId)'", field: "orgId") }
            if let teamId = input.teamId {
                guard let team = state.teams[teamId] else { throw AdminError("unknown team '\(teamId)'", field: "teamId") }
                guard team.orgId == orgId else { throw AdminError("team '\(teamId)' belongs to org '\(team.orgId)'", field: "teamId") }
            }
            var project = Project(id: input.id, orgId: orgId, teamId: input.teamId, name: input.name)
            (project.budgets, project.rpm, project.tpm, project.models) = (fields.budgets, fields.rpm, fields.tpm, fields.models)
            state.projects[project.id] = project
            return (project, [(.project, project.id)])
        }
    }

    func deleteScope(_ kind: EntityKind, id: String, actor: String) async throws {
        try await mutate(actor: actor, action: "\(kind.rawValue).delete", target: id) { state throws(AdminError) in
            let inUse: Bool
            switch kind {
            case .org:
                guard state.orgs[id] != nil else { throw AdminError.notFound("org '\(id)'") }
                inUse = state.keys.values.contains { $0.orgId == id } || state.teams.values.contains { $0.orgId == id }
                    || state.projects.values.contains { $0.orgId == id }
                if !inUse { state.orgs[id] = nil }
            case .team:
                guard state.teams[id] != nil else { throw AdminError.notFound("team '\(id)'") }
                inUse = state.keys.values.contains { $0.teamId == id } || state.projects.values.contains { $0.teamId == id }
                if !inUse { state.teams[id] = nil }
            case .project:
                guard state.projects[id] != nil else { throw AdminError.notFound("project '\(id)'") }
                inUse = state.keys.values.contains { $0.projectId == id }
                if !inUse { state.projects[id] = nil }
            default:
                throw AdminError.notFound(kind.rawValue)
            }
            guard !inUse else { throw AdminError.conflict("\(kind.rawValue) '\(id)' is still referenced; remove its keys and children first") }
            return ((), [(kind, id)])
        }
    }
}
