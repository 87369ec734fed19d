import AAMCore
import AAMProviders
import Hummingbird

/// `GET /v1/models`: the aliases this key may use, in OpenAI's list shape.
struct ModelsEndpoint: Sendable {
    let runtime: GatewayRuntime

    /// The aliases a call could use (`ModelAccess`): allowed by the key's scope chain and, for a
    /// workload, by its AgentPolicy `models.allow` (budgets aside).
    static func visibleAliases(_ caller: AuthenticatedCaller, runtime: GatewayRuntime) -> [String] {
        let aliases = caller.snapshot.aliases(visibleTo: caller.key)
        guard let workload = caller.workload else { return aliases }
        let engine = runtime.policies.engine
        let context = DecisionContext(time: runtime.clock.now(), environment: workload.registration.environment)
        return aliases.filter {
            engine.decide(DecisionRequest(identity: workload.spiffeID, action: .modelCall(alias: $0, spend: nil), context: context)).isAllowed
        }
    }

    func handle(_ request: Request, context: GatewayContext) async -> Response {
        do {
            let caller = try await AuthenticatedCaller(request: request, context: context, runtime: runtime, allowXAPIKey: true)
            var json = #"{"object":"list","data":["#
            for (index, alias) in Self.visibleAliases(caller, runtime: runtime).enumerated() {
                if index > 0 { json += "," }
                json += #"{"id":"# + String(decoding: JSONSplicer.quoted(alias), as: UTF8.self) + #","object":"model","created":0,"owned_by":"aam"}"#
            }
            json += "]}"
            var fields = HTTPFields()
            fields[Responses.requestIDField] = context.requestID
            return Responses.json(Array(json.utf8), headers: fields)
        } catch {
            return Responses.error(error, shape: .openAI, requestID: context.requestID)
        }
    }
}
