import AAMCore
import Foundation
import Hummingbird

/// `POST /admin/workloads` body: a SPIFFE ID and who it belongs to and spends against.
struct WorkloadInput: Decodable, Sendable {
    static let fields: Set<String> = ["spiffeId", "owner", "team", "environment", "deployment", "orgId", "teamId", "projectId"]
    var spiffeId: String
    var owner: String
    var team: String
    var environment: String
    var deployment: String
    var orgId: String
    var teamId: String?
    var projectId: String?

    /// Checks every field, naming the first bad one; the SPIFFE ID error is the parser's own.
    func registration() throws(AdminError) -> WorkloadRegistration {
        do {
            _ = try SPIFFEID(spiffeId)
        } catch {
            throw AdminError("is not a SPIFFE ID: \(error.description)", field: "spiffeId")
        }
        for (field, value) in [("owner", owner), ("team", team), ("environment", environment), ("deployment", deployment)] {
            guard !value.trimmingCharacters(in: .whitespaces).isEmpty, value.utf8.count <= 256 else {
                throw AdminError("must be 1-256 characters", field: field)
            }
        }
        try AdminValidation.slug(orgId, field: "orgId")
        if let teamId { try AdminValidation.slug(teamId, field: "teamId") }
        if let projectId { try AdminValidation.slug(projectId, field: "projectId") }
        return WorkloadRegistration(
            spiffeId: spiffeId, owner: owner, team: team, environment: environment, deployment: deployment, orgId: orgId,
            teamId: teamId, projectId: projectId)
    }
}

extension ConfigRegistry {
    /// Registers a workload. Like a key, a registration naming a scope that does not exist yet
    /// creates it empty; one whose team/project sits under another org is refused.
    func createWorkload(_ input: WorkloadInput, actor: String) async throws -> WorkloadRegistration {
        let registration = try input.registration()
        return try await mutate(actor: actor, action: "workload.create", target: registration.spiffeId) { state throws(AdminError) in
            guard state.workloads[registration.spiffeId] == nil else {
                throw AdminError.conflict("workload '\(registration.spiffeId)' is already registered")
            }
            var changed = try Self.ensureScopes(
                orgId: registration.orgId, teamId: registration.teamId, projectId: registration.projectId, in: &state)
            state.workloads[registration.spiffeId] = registration
            changed.append((.workload, registration.spiffeId))
            return (registration, changed)
        }
    }

    func deleteWorkload(_ spiffeId: String, actor: String) async throws {
        try await mutate(actor: actor, action: "workload.delete", target: spiffeId) { state throws(AdminError) in
            guard state.workloads.removeValue(forKey: spiffeId) != nil else { throw AdminError.notFound("workload '\(spiffeId)'") }
            return ((), [(.workload, spiffeId)])
        }
    }
}

/// `POST/GET /admin/workloads`, `GET/DELETE /admin/workloads/{urlencoded spiffeId}`.
extension AdminRoutes {
    func registerWorkloads(on admin: RouterGroup<GatewayContext>) {
        admin.post("workloads") { request, context in await guarded(request, context) { body in
            let input = try AdminJSON.decode(WorkloadInput.self, from: body, allowed: WorkloadInput.fields)
            return Responses.json(try await registry.createWorkload(input, actor: auth.actorID), status: .created)
        } }
        admin.get("workloads") { request, context in await guarded(request, context) { _ in
            Responses.json(await registry.currentState.workloads.values.sorted { $0.spiffeId < $1.spiffeId })
        } }
        admin.get("workloads/**") { request, context in await guarded(request, context) { _ in
            let id = Self.workloadID(context)
            guard let registration = await registry.currentState.workloads[id] else { throw AdminError.notFound("workload '\(id)'") }
            return Responses.json(registration)
        } }
        admin.delete("workloads/**") { request, context in await guarded(request, context) { _ in
            try await registry.deleteWorkload(Self.workloadID(context), actor: auth.actorID)
            return Response(status: .noContent)
        } }
    }

    /// The SPIFFE ID of `/admin/workloads/{id}`: clients percent-encode it (`spiffe%3A%2F%2F…`);
    /// the catch-all also accepts the path segments if a proxy decoded them. A SPIFFE ID holds
    /// no `%`, so decoding cannot change a valid one.
    static func workloadID(_ context: GatewayContext) -> String {
        let joined = context.parameters.getCatchAll().joined(separator: "/")
        return joined.removingPercentEncoding ?? joined
    }
}
