import Foundation

/// What an AgentPolicy decided about one call by a workload: carried by the call record
/// (`CallRecord.policy`) and published as `GatewayEvent.policyDecision`. Names the identity,
/// the policy and version, the rule, the outcome and the stable reason; never arguments or text.
public struct PolicyEvidence: Sendable, Hashable, Codable {
    /// A shadow-mode finding: what would have been denied (the call went ahead).
    public struct WouldDeny: Sendable, Hashable, Codable {
        public var policy: String?
        public var version: Int?
        public var rule: String
        public var reason: String

        public init(policy: String?, version: Int?, rule: String, reason: String) {
            self.policy = policy
            self.version = version
            self.rule = rule
            self.reason = reason
        }
    }

    /// The workload's SPIFFE ID.
    public var spiffeId: String
    /// `model` or `tool`.
    public var kind: String
    /// For a model call: the alias asked for.
    public var model: String?
    /// For a tool call: the business resource and action.
    public var resource: String?
    public var action: String?
    /// `allow` or `deny`.
    public var decision: String
    /// The deciding policy and its version (nil when no policy applies to the identity).
    public var policy: String?
    public var version: Int?
    /// The rule that decided (`models.allow`, `budget.daily_usd`, `tools[0].deny[export]`, `default-deny`).
    public var rule: String
    /// The `DecisionReason` code.
    public var reason: String
    public var wouldDeny: WouldDeny?
    /// When the decision was made.
    public var at: Date

    public init(
        spiffeId: String, kind: String, model: String? = nil, resource: String? = nil, action: String? = nil, decision: String,
        policy: String?, version: Int?, rule: String, reason: String, wouldDeny: WouldDeny? = nil, at: Date
    ) {
        self.spiffeId = spiffeId
        self.kind = kind
        self.model = model
        self.resource = resource
        self.action = action
        self.decision = decision
        self.policy = policy
        self.version = version
        self.rule = rule
        self.reason = reason
        self.wouldDeny = wouldDeny
        self.at = at
    }

    /// The evidence of `decision` about `request`.
    public init(_ decision: Decision, for request: DecisionRequest) {
        var model: String?, resource: String?, action: String?
        let kind: String
        switch request.action {
        case .modelCall(let alias, _):
            kind = "model"
            model = alias
        case .toolCall(let toolResource, let toolAction, _):
            kind = "tool"
            resource = toolResource
            action = toolAction
        }
        self.init(
            spiffeId: request.identity.description, kind: kind, model: model, resource: resource, action: action,
            decision: decision.effect.rawValue, policy: decision.verdict.policy, version: decision.verdict.version,
            rule: decision.verdict.rule, reason: decision.verdict.reason,
            wouldDeny: decision.wouldDeny.map { WouldDeny(policy: $0.policy, version: $0.version, rule: $0.rule, reason: $0.reason) },
            at: request.context.time)
    }
}
