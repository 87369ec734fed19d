import AAMCore
import Foundation
import Hummingbird

/// `PUT/GET/DELETE /admin/guardrails/SCOPE`: a scope's own policy in, the effective policy out.
extension ConfigRegistry {
    static func guardrailScope(_ text: String) throws(AdminError) -> GuardrailScope {
        guard let scope = GuardrailScope(text) else {
            throw AdminError("must be org:ID, team:ID, project:ID or key:ID with a valid id", field: "scope")
        }
        return scope
    }

    func putGuardrails(_ scopeText: String, policy: GuardrailPolicy, actor: String) async throws -> EffectiveGuardrailPolicy {
        let scope = try Self.guardrailScope(scopeText)
        do { try policy.validate() } catch { throw AdminError(error.message, field: error.field) }
        let id = scope.description
        return try await mutate(actor: actor, action: "guardrail.put", target: id) { state throws(AdminError) in
            state.guardrails[id] = policy
            return (state.effectiveGuardrails(at: scope), [(.guardrail, id)])
        }
    }

    func deleteGuardrails(_ scopeText: String, actor: String) async throws {
        let id = try Self.guardrailScope(scopeText).description
        try await mutate(actor: actor, action: "guardrail.delete", target: id) { state throws(AdminError) in
            guard state.guardrails[id] != nil else { throw AdminError.notFound("guardrail policy for '\(id)'") }
            state.guardrails[id] = nil
            return ((), [(.guardrail, id)])
        }
    }
}

extension AdminRoutes {
    static let guardrailFields: Set<String> = ["request", "response", "denylist", "customDetectors"]

    func registerGuardrails(on admin: RouterGroup<GatewayContext>) {
        admin.put("guardrails/:scope") { request, context in await guarded(request, context) { body in
            let policy = try AdminJSON.decode(GuardrailPolicy.self, from: body, allowed: Self.guardrailFields)
            return Responses.json(try await registry.putGuardrails(try parameter(context, "scope"), policy: policy, actor: auth.actorID))
        } }
        admin.get("guardrails/:scope") { request, context in await guarded(request, context) { _ in
            let scope = try ConfigRegistry.guardrailScope(try parameter(context, "scope"))
            return Responses.json(await registry.currentState.effectiveGuardrails(at: scope))
        } }
        admin.delete("guardrails/:scope") { request, context in await guarded(request, context) { _ in
            try await registry.deleteGuardrails(try parameter(context, "scope"), actor: auth.actorID)
            return Response(status: .noContent)
        } }
    }
}
