import AAMCore
import Foundation

struct KeyInput: Decodable, Sendable {
    static let fields: Set<String> = [
        "orgId", "teamId", "projectId", "name", "expiresAt", "models", "metadata", "budgets", "rpm", "tpm", "region",
    ]
    var orgId: String
    var teamId: String?
    var projectId: String?
    var name: String?
    var expiresAt: Date?
    var models: [String]?
    var metadata: [String: String]?
    var region: String?
    var budgets: [BudgetInput]?
    var rpm: Int64?
    var tpm: Int64?
}

struct RotateInput: Decodable, Sendable {
    static let fields: Set<String> = ["gracePeriodSeconds"]
    var gracePeriodSeconds: Int?
}

/// A key as the admin API shows it: never the secret nor its hash.
struct KeyView: Encodable, Sendable {
    var id: String
    var prefix: String
    var orgId: String
    var teamId: String?
    var projectId: String?
    var name: String?
    var createdAt: Date
    var expiresAt: Date?
    var revokedAt: Date?
    var models: [String]?
    var metadata: [String: String]
    var graceUntil: Date?
    var lastRotatedAt: Date?
    var lastUsedAt: Date?
    var region: String?
    var budgets: [BudgetInput]?
    var rpm: Int64?
    var tpm: Int64?
    var status: String

    init(_ key: VirtualKey, now: Date, lastUsedAt: Date? = nil) {
        self.lastUsedAt = lastUsedAt
        id = key.id
        prefix = key.prefix
        orgId = key.orgId
        teamId = key.teamId
        projectId = key.projectId
        name = key.name
        createdAt = key.createdAt
        expiresAt = key.expiresAt
        revokedAt = key.revokedAt
        models = key.models
        metadata = key.metadata
        graceUntil = key.graceUntil
        lastRotatedAt = key.lastRotatedAt
        region = key.requiredRegion
        budgets = key.budgets?.map(\.inputView)
        rpm = key.rpm
        tpm = key.tpm
        status = key.refusal(at: now)?.rawValue ?? "active"
    }
}

/// The one response that carries a key's secret: creation and rotation.
struct IssuedKeyView: Encodable, Sendable {
    var key: String
    var details: KeyView

    func encode(to encoder: any Encoder) throws {
        try details.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(key, forKey: .key)
    }

    enum CodingKeys: String, CodingKey { case key }
}

extension ConfigRegistry {
    func createKey(_ input: KeyInput, authority: KeyAuthority, actor: String) async throws -> (SecretValue, VirtualKey) {
        try AdminValidation.slug(input.orgId, field: "orgId")
        if let team = input.teamId { try AdminValidation.slug(team, field: "teamId") }
        if let project = input.projectId { try AdminValidation.slug(project, field: "projectId") }
        let now = clock.now()
        if let expiry = input.expiresAt, expiry <= now { throw AdminError("must be in the future", field: "expiresAt") }
        let governance = try GovernanceFields(budgets: input.budgets, rpm: input.rpm, tpm: input.tpm, models: nil)
        let issued = authority.issue(
            id: "key_" + Identifiers.random(16), orgId: input.orgId, teamId: input.teamId, projectId: input.projectId,
            name: input.name, expiresAt: input.expiresAt, models: input.models, metadata: input.metadata ?? [:], now: now)
        var record = issued.record
        record.requiredRegion = input.region.flatMap { $0.isEmpty ? nil : $0 }
        (record.budgets, record.rpm, record.tpm) = (governance.budgets, governance.rpm, governance.tpm)
        let (secret, created) = (issued.secret, record)
        return try await mutate(actor: actor, action: "key.create", target: created.id) { state throws(AdminError) in
            var changed = try Self.ensureScopes(orgId: input.orgId, teamId: input.teamId, projectId: input.projectId, in: &state)
            state.keys[created.id] = created
            changed.append((.key, created.id))
            return ((secret, created), changed)
        }
    }

    /// A key naming a scope that does not exist yet creates it empty (docs/ADMIN-API.md), but a team
    /// or project that exists under another org is refused.
    static func ensureScopes(orgId: String, teamId: String?, projectId: String?, in state: inout ConfigState) throws(AdminError)
        -> [(EntityKind, String)]
    {
        var changed: [(EntityKind, String)] = []
        if state.orgs[orgId] == nil {
            state.orgs[orgId] = Organization(id: orgId)
            changed.append((.org, orgId))
        }
        if let teamId {
            if let team = state.teams[teamId] {
                guard team.orgId == orgId else { throw AdminError("team '\(teamId)' belongs to org '\(team.orgId)'", field: "teamId") }
            } else {
                state.teams[teamId] = Team(id: teamId, orgId: orgId)
                changed.append((.team, teamId))
            }
        }
        if let projectId {
            if let project = state.projects[projectId] {
                guard project.orgId == orgId else {
                    throw AdminError("project '\(projectId)' belongs to org '\(project.orgId)'", field: "projectId")
                }
                if let teamId, let projectTeam = project.teamId, projectTeam != teamId {
                    throw AdminError("project '\(projectId)' belongs to team '\(projectTeam)'", field: "projectId")
                }
            } else {
                state.projects[projectId] = Project(id: projectId, orgId: orgId, teamId: teamId)
                changed.append((.project, projectId))
            }
        }
        return changed
    }

    func revokeKey(_ id: String, actor: String) async throws -> VirtualKey {
        let now = clock.now()
        return try await mutate(actor: actor, action: "key.revoke", target: id) { state throws(AdminError) in
            guard var key = state.keys[id] else { throw AdminError.notFound("key '\(id)'") }
            if key.revokedAt == nil { key.revokedAt = now }
            state.keys[id] = key
            return (key, [(.key, id)])
        }
    }

    /// Issues a new secret; the old one keeps working until the grace period ends.
    func rotateKey(_ id: String, graceSeconds: Int, authority: KeyAuthority, actor: String) async throws -> (SecretValue, VirtualKey) {
        guard (0...30 * 86_400).contains(graceSeconds) else {
            throw AdminError("must be between 0 and 2592000 (30 days)", field: "gracePeriodSeconds")
        }
        let now = clock.now()
        let secret = VirtualKeyFormat.generate()
        return try await mutate(actor: actor, action: "key.rotate", target: id) { state throws(AdminError) in
            guard var key = state.keys[id] else { throw AdminError.notFound("key '\(id)'") }
            guard key.revokedAt == nil else { throw AdminError.conflict("key '\(id)' is revoked") }
            key.graceSecretHash = graceSeconds > 0 ? key.secretHash : nil
            key.graceUntil = graceSeconds > 0 ? now.addingTimeInterval(TimeInterval(graceSeconds)) : nil
            key.secretHash = authority.hash(secret)
            key.prefix = VirtualKeyFormat.prefix(of: secret)
            key.lastRotatedAt = now
            state.keys[id] = key
            return ((SecretValue(secret), key), [(.key, id)])
        }
    }
}
