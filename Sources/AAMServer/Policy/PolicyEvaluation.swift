import AAMCore
import Foundation

/// `POST /admin/policies/evaluate`: would this workload be allowed this model call or this
/// action on this resource with these arguments, and which rule decides. A dry run on the
/// compiled set in force: nothing is recorded, charged or published.
struct PolicyEvaluationInput: Decodable, Sendable {
    var spiffeId: String
    var resource: String?
    var action: String?
    var model: String?
    var arguments: JSONValue?

    static let fields: Set<String> = ["spiffeId", "resource", "action", "model", "arguments"]

    /// The question as the engine takes it, or a 400 naming the field.
    func request(spend: (SPIFFEID) -> Money, at now: Date) throws(AdminError) -> DecisionRequest {
        let identity: SPIFFEID
        do { identity = try SPIFFEID(spiffeId) } catch { throw AdminError("not a SPIFFE ID: \(error.description)", field: "spiffeId") }
        let context = DecisionContext(time: now)
        if let model {
            guard resource == nil, action == nil else {
                throw AdminError("give either model, or resource and action, not both", field: resource == nil ? "action" : "resource")
            }
            guard !model.isEmpty else { throw AdminError("must not be empty", field: "model") }
            guard arguments == nil else { throw AdminError("only applies to a tool action", field: "arguments") }
            return DecisionRequest(identity: identity, action: .modelCall(alias: model, spend: SpendSoFar(today: spend(identity))), context: context)
        }
        guard let resource, !resource.isEmpty else { throw AdminError("is required (or give model)", field: "resource") }
        guard let action, !action.isEmpty else { throw AdminError("is required with resource", field: "action") }
        return DecisionRequest(identity: identity, action: .toolCall(resource: resource, action: action, arguments: arguments), context: context)
    }
}

/// The answer of an evaluation (and the shape of a verdict inside it).
struct PolicyEvaluationView: Encodable, Sendable {
    struct VerdictView: Encodable, Sendable {
        var policy: String?
        var version: Int?
        var rule: String
        var reason: String
        var mode: String

        init(_ verdict: Verdict) {
            policy = verdict.policy
            version = verdict.version
            rule = verdict.rule
            reason = verdict.reason
            mode = verdict.mode.rawValue
        }
    }

    var decision: String
    var policy: String?
    var version: Int?
    var rule: String
    var reason: String
    var explanation: String
    /// What a shadow-mode policy would have denied (the decision itself stands).
    var wouldDeny: VerdictView?
    /// The policies that apply to the identity, most specific first.
    var applicablePolicies: [String]
    /// For a model call: the identity's spend today (UTC, settled plus held by calls in flight)
    /// that the daily budget was checked against.
    var spentTodayUSD: String?

    init(_ decision: Decision, request: DecisionRequest, engine: PolicyEngine) {
        self.decision = decision.effect.rawValue
        policy = decision.verdict.policy
        version = decision.verdict.version
        rule = decision.verdict.rule
        reason = decision.verdict.reason
        explanation = engine.explain(decision, for: request)
        wouldDeny = decision.wouldDeny.map(VerdictView.init)
        applicablePolicies = engine.applicablePolicies(for: request.identity)
        if case .modelCall(_, let spend?) = request.action { spentTodayUSD = spend.today.description }
    }
}

extension GatewayRuntime {
    /// Answers an evaluation against the policy set in force.
    func evaluatePolicy(_ input: PolicyEvaluationInput) throws(AdminError) -> PolicyEvaluationView {
        let now = clock.now()
        // The same spend a real decision sees: settled plus held by calls in flight.
        let request = try input.request(spend: { agentSpend.committed($0.description, at: now) }, at: now)
        let engine = policies.engine
        return PolicyEvaluationView(engine.decide(request), request: request, engine: engine)
    }
}
