import AAMCore
import AAMProviders
import Foundation
import Hummingbird

/// `GET /v1/models` and `GET /v1/models/{id}`: the aliases this key may use, in OpenAI's shapes.
struct ModelsEndpoint: Sendable {
    let runtime: GatewayRuntime

    /// The aliases a call could use (`ModelAccess`): allowed by the key's scope chain and, for a
    /// workload, by its AgentPolicy `models.allow` (budgets aside).
    static func visibleAliases(_ caller: AuthenticatedCaller, runtime: GatewayRuntime) -> [String] {
        caller.snapshot.aliases(visibleTo: caller.key).filter { policyAllows($0, caller: caller, runtime: runtime) }
    }

    /// Whether one alias is in `visibleAliases` (the same rules, decided for that alias alone).
    static func isVisible(_ alias: String, to caller: AuthenticatedCaller, runtime: GatewayRuntime) -> Bool {
        caller.snapshot.aliasNames.contains(alias) && caller.snapshot.allows(caller.key, alias: alias)
            && policyAllows(alias, caller: caller, runtime: runtime)
    }

    /// A workload's AgentPolicy `models.allow` (a key without a workload has none).
    private static func policyAllows(_ alias: String, caller: AuthenticatedCaller, runtime: GatewayRuntime) -> Bool {
        guard let workload = caller.workload else { return true }
        let context = DecisionContext(time: runtime.clock.now(), environment: workload.registration.environment)
        return runtime.policies.engine.decide(
            DecisionRequest(identity: workload.spiffeID, action: .modelCall(alias: alias, spend: nil), context: context)).isAllowed
    }

    /// One model object (`{"id":…,"object":"model",…}`).
    static func modelObject(_ alias: String) -> String {
        #"{"id":"# + String(decoding: JSONSplicer.quoted(alias), as: UTF8.self) + #","object":"model","created":0,"owned_by":"aam"}"#
    }

    func handle(_ request: Request, context: GatewayContext) async -> Response {
        do {
            let caller = try await AuthenticatedCaller(request: request, context: context, runtime: runtime, allowXAPIKey: true)
            let json = #"{"object":"list","data":["# + Self.visibleAliases(caller, runtime: runtime).map(Self.modelObject).joined(separator: ",") + "]}"
            var fields = HTTPFields()
            fields[Responses.requestIDField] = context.requestID
            return Responses.json(Array(json.utf8), headers: fields)
        } catch {
            return Responses.error(error, shape: .openAI, requestID: context.requestID)
        }
    }

    /// `GET /v1/models/{id}` (`client.models.retrieve`): the model object when this caller may
    /// use the alias; otherwise the same 404 `model_not_found` for an alias that does not exist
    /// and for one it may not use, so the answer reveals nothing about other keys' aliases.
    func handleOne(_ request: Request, context: GatewayContext) async -> Response {
        let alias = context.parameters.getCatchAll().joined(separator: "/").removingPercentEncoding ?? ""
        do throws(GatewayError) {
            let caller = try await AuthenticatedCaller(request: request, context: context, runtime: runtime, allowXAPIKey: true)
            guard Self.isVisible(alias, to: caller, runtime: runtime) else { throw .modelNotFound(alias) }
            var fields = HTTPFields()
            fields[Responses.requestIDField] = context.requestID
            return Responses.json(Array(Self.modelObject(alias).utf8), headers: fields)
        } catch {
            return Responses.error(error, shape: .openAI, requestID: context.requestID)
        }
    }
}
