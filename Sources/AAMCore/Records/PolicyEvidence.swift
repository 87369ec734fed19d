import Foundation

/// What an AgentPolicy decided about one call by a workload: carried by the call record
/// (`CallRecord.policy`) and published as `GatewayEvent.policyDecision` (console, SIEM).
///
/// Shaped by the deciding policy's `spec.audit.record` (`AuditSelection`): the floor — identity,
/// kind, decision, policy and version, model or resource and action, time, and the latency once
/// the call ends — is always there; `rule`, `reason`, `costUSD` and `parameters` only when the
/// policy lists them (absent fields are left out of the JSON, not written as null). Tool arguments appear
/// only under an explicit `parameters`, with secrets masked and a size cap; never prompt text.
public struct PolicyEvidence: Sendable, Hashable, Codable {
    /// A shadow-mode finding: what would have been denied (the call went ahead). Policy and
    /// version always; rule and reason as the shadow policy's `audit.record` says.
    public struct WouldDeny: Sendable, Hashable, Codable {
        public var policy: String?
        public var version: Int?
        public var rule: String?
        public var reason: String?

        public init(policy: String?, version: Int?, rule: String?, reason: String?) {
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
    public var rule: String?
    /// The `DecisionReason` code.
    public var reason: String?
    public var wouldDeny: WouldDeny?
    /// When the decision was made.
    public var at: Date
    /// The whole call's latency and cost, added when the call ends (`completeCall`); so only on
    /// the call record's copy, never on the `.policyDecision` event published at decision time.
    public var latencyMs: Double?
    public var costUSD: String?
    /// A tool call's arguments as compact JSON, secrets masked (`RecordedArguments`).
    public var parameters: String?
    /// Set when `parameters` was cut at its cap.
    public var parametersTruncated: Bool?
    /// Which call outcomes to add in `completeCall`. In memory only: not encoded, and ignored by
    /// `==` so a record read back from a store equals the one published.
    private var pending = Pending(latency: false, cost: false)

    private enum CodingKeys: String, CodingKey {
        case spiffeId, kind, model, resource, action, decision, policy, version, rule, reason, wouldDeny, at, latencyMs, costUSD,
            parameters, parametersTruncated
    }

    private struct Pending: Sendable, Hashable {
        var latency: Bool
        var cost: Bool

        static func == (lhs: Pending, rhs: Pending) -> Bool { true }
        func hash(into hasher: inout Hasher) {}
    }

    public init(
        spiffeId: String, kind: String, model: String? = nil, resource: String? = nil, action: String? = nil, decision: String,
        policy: String?, version: Int?, rule: String?, reason: String?, wouldDeny: WouldDeny? = nil, at: Date,
        latencyMs: Double? = nil, costUSD: String? = nil, parameters: String? = nil, parametersTruncated: Bool? = nil
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
        self.latencyMs = latencyMs
        self.costUSD = costUSD
        self.parameters = parameters
        self.parametersTruncated = parametersTruncated
    }

    /// The evidence of `decision` about `request`, shaped by the deciding verdict's
    /// `audit` selection (its policy's `spec.audit.record`).
    public init(_ decision: Decision, for request: DecisionRequest) {
        let audit = decision.verdict.audit
        func ifListed<T>(_ field: AuditField, _ value: T?) -> T? { audit.records(field) ? value : nil }
        var model: String?, resource: String?, action: String?, arguments: JSONValue?
        let kind: String
        switch request.action {
        case .modelCall(let alias, _):
            kind = "model"
            model = alias
        case .toolCall(let toolResource, let toolAction, let toolArguments):
            kind = "tool"
            resource = toolResource
            action = toolAction
            arguments = toolArguments
        }
        let recorded = audit.records(.parameters) ? arguments.map { RecordedArguments($0) } : nil
        self.init(
            spiffeId: request.identity.description, kind: kind, model: ifListed(.model, model), resource: ifListed(.resource, resource),
            action: ifListed(.action, action), decision: decision.effect.rawValue, policy: decision.verdict.policy,
            version: decision.verdict.version, rule: ifListed(.rule, decision.verdict.rule), reason: ifListed(.reason, decision.verdict.reason),
            wouldDeny: decision.wouldDeny.map {
                WouldDeny(
                    policy: $0.policy, version: $0.version, rule: $0.audit.records(.rule) ? $0.rule : nil,
                    reason: $0.audit.records(.reason) ? $0.reason : nil)
            },
            at: request.context.time, parameters: recorded?.text, parametersTruncated: recorded?.truncated == true ? true : nil)
        pending = Pending(latency: audit.records(.latency), cost: audit.records(.cost))
    }

    /// Adds the finished call's latency and cost when the deciding policy lists them (a no-op
    /// otherwise, and on evidence decoded from a store).
    public mutating func completeCall(latencyMs: Double, costUSD: String?) {
        if pending.latency { self.latencyMs = latencyMs }
        if pending.cost { self.costUSD = costUSD }
    }
}
