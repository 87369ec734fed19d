import Foundation

// MARK: Live events

public struct ControlEvent: Codable, Sendable, Equatable {
    /// `trend` carries the newest trend buckets (every few seconds); a console that predates it
    /// cannot decode the line and skips it.
    public enum Kind: String, Codable, Sendable, CaseIterable { case call, guardrailHit, health, adminChange, policyDecision, trend }
    public var kind: Kind
    public var call: CallRow?
    public var guardrailHit: GuardrailHitRow?
    public var health: HealthRow?
    public var adminChange: AdminChangeRow?
    public var policyDecision: PolicyDecisionRow?
    public var trend: TrendHistory?
    public init(
        kind: Kind, call: CallRow? = nil, guardrailHit: GuardrailHitRow? = nil, health: HealthRow? = nil,
        adminChange: AdminChangeRow? = nil, policyDecision: PolicyDecisionRow? = nil, trend: TrendHistory? = nil
    ) {
        self.trend = trend
        self.kind = kind
        self.call = call
        self.guardrailHit = guardrailHit
        self.health = health
        self.adminChange = adminChange
        self.policyDecision = policyDecision
    }
}

/// One finished call (the Live view's row). No prompt, completion, key or credential.
public struct CallRow: Codable, Sendable, Equatable {
    public var requestId: String
    public var time: Date
    public var endpoint: String
    public var keyPrefix: String?
    /// `org/team/project` as far as known.
    public var scope: String?
    public var alias: String?
    public var provider: String?
    public var deployment: String?
    public var status: Int
    /// `success`, `rejected`, `upstream_error`, `truncated`, `cancelled`.
    public var outcome: String
    public var errorClass: String?
    public var latencyMs: Double
    public var ttftMs: Double?
    public var promptTokens: Int
    public var completionTokens: Int
    public var costUSD: String?
    public var streamed: Bool
    public var attempts: Int
    /// `detector:action` per guardrail that fired, e.g. `email:redact`.
    public var guardrails: [String]
    /// A workload call's SPIFFE ID (nil for a virtual-key call).
    public var identity: String?
    /// A workload call's policy decision, e.g. `finance-analyst-readonly v2: deny models.allow`
    /// (`shadow-would-deny` is appended when a shadow policy would have refused it).
    public var policy: String?
    public init(
        requestId: String, time: Date, endpoint: String, keyPrefix: String?, scope: String?, alias: String?, provider: String?,
        deployment: String?, status: Int, outcome: String, errorClass: String?, latencyMs: Double, ttftMs: Double?,
        promptTokens: Int, completionTokens: Int, costUSD: String?, streamed: Bool, attempts: Int, guardrails: [String],
        identity: String? = nil, policy: String? = nil
    ) {
        self.requestId = requestId
        self.time = time
        self.endpoint = endpoint
        self.keyPrefix = keyPrefix
        self.scope = scope
        self.alias = alias
        self.provider = provider
        self.deployment = deployment
        self.status = status
        self.outcome = outcome
        self.errorClass = errorClass
        self.latencyMs = latencyMs
        self.ttftMs = ttftMs
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.costUSD = costUSD
        self.streamed = streamed
        self.attempts = attempts
        self.guardrails = guardrails
        self.identity = identity
        self.policy = policy
    }
}

public struct GuardrailHitRow: Codable, Sendable, Equatable {
    public var time: Date
    public var requestId: String
    public var detector: String
    /// `request` or `response`.
    public var direction: String
    public var action: String
    public var count: Int
    public var scope: String?
    public init(time: Date, requestId: String, detector: String, direction: String, action: String, count: Int, scope: String?) {
        self.time = time
        self.requestId = requestId
        self.detector = detector
        self.direction = direction
        self.action = action
        self.count = count
        self.scope = scope
    }
}

public struct HealthRow: Codable, Sendable, Equatable {
    public var time: Date
    public var deployment: String
    public var from: String
    public var to: String
    public var reason: String?
    public init(time: Date, deployment: String, from: String, to: String, reason: String?) {
        self.time = time
        self.deployment = deployment
        self.from = from
        self.to = to
        self.reason = reason
    }
}

public struct AdminChangeRow: Codable, Sendable, Equatable {
    public var time: Date
    public var actor: String
    public var action: String
    public var target: String
    public init(time: Date, actor: String, action: String, target: String) {
        self.time = time
        self.actor = actor
        self.action = action
        self.target = target
    }
}


/// One AgentPolicy decision (allow or deny, model or tool call), as the Live and Agents views
/// show it. Names identity, policy, rule and reason; never arguments or text.
public struct PolicyDecisionRow: Codable, Sendable, Equatable {
    public var time: Date
    public var requestId: String
    public var spiffeId: String
    /// `model` or `tool`.
    public var kind: String
    public var model: String?
    public var resource: String?
    public var action: String?
    /// `allow` or `deny`.
    public var decision: String
    public var policy: String?
    public var version: Int?
    public var rule: String
    public var reason: String
    /// The rule a shadow policy would have denied with (the call went ahead).
    public var wouldDenyRule: String?
    public init(
        time: Date, requestId: String, spiffeId: String, kind: String, model: String? = nil, resource: String? = nil,
        action: String? = nil, decision: String, policy: String?, version: Int?, rule: String, reason: String, wouldDenyRule: String? = nil
    ) {
        self.time = time
        self.requestId = requestId
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
        self.wouldDenyRule = wouldDenyRule
    }
}
