import AAMCore
import Foundation
import Hummingbird

/// One policy as the admin API shows it.
struct PolicyView: Encodable, Sendable {
    var name: String
    var version: Int
    var mode: String
    var workload: String
    var models: [String]?
    var dailyBudgetUSD: String?
    var tools: Int
    var updatedAt: Date
    /// The document as applied (single-policy reads only).
    var document: String?
    /// Set on `PUT`: whether this call created the policy and whether it changed anything.
    var created: Bool?
    var changed: Bool?

    init(_ policy: AgentPolicy, stored: StoredPolicy, withDocument: Bool = false) {
        name = policy.name
        version = stored.version
        mode = policy.mode.rawValue
        workload = policy.subject.description
        models = policy.models?.allow
        dailyBudgetUSD = policy.dailyBudget?.description
        tools = policy.tools.count
        updatedAt = stored.updatedAt
        document = withDocument ? stored.document : nil
    }
}

/// `PUT/GET/DELETE /admin/policies[/NAME]` and `POST /admin/policies/evaluate`.
extension AdminRoutes {
    func registerPolicies(on admin: RouterGroup<GatewayContext>) {
        admin.put("policies") { request, context in await guarded(request, context) { body in
            guard let text = String(validating: body, as: UTF8.self) else { throw AdminError("must be UTF-8 text", field: "body") }
            let applied = try await registry.applyPolicy(text: text, actor: auth.actorID)
            var view = PolicyView(applied.policy, stored: applied.stored)
            view.created = applied.created
            view.changed = applied.changed
            return Responses.json(view, status: applied.created ? .created : .ok)
        } }
        admin.get("policies") { request, context in await guarded(request, context) { _ in
            let compiled = runtime.policies.compiled
            let views = compiled.policies.values.sorted { $0.name < $1.name }.compactMap { policy in
                compiled.stored[policy.name].map { PolicyView(policy, stored: $0) }
            }
            return Responses.json(views)
        } }
        admin.get("policies/:name") { request, context in await guarded(request, context) { _ in
            let name = try parameter(context, "name")
            let compiled = runtime.policies.compiled
            guard let policy = compiled.policies[name], let stored = compiled.stored[name] else { throw AdminError.notFound("policy '\(name)'") }
            return Responses.json(PolicyView(policy, stored: stored, withDocument: true))
        } }
        admin.delete("policies/:name") { request, context in await guarded(request, context) { _ in
            try await registry.deletePolicy(try parameter(context, "name"), actor: auth.actorID)
            return Response(status: .noContent)
        } }
        admin.post("policies/evaluate") { request, context in await guarded(request, context) { body in
            let input = try AdminJSON.decode(PolicyEvaluationInput.self, from: body, allowed: PolicyEvaluationInput.fields)
            return Responses.json(try runtime.evaluatePolicy(input))
        } }
    }
}
