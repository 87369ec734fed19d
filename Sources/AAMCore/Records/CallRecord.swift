import Foundation

/// The durable evidence of one call through the gateway: one per request, written off the
/// request path. Never holds prompt or completion text, keys or credentials.
public struct CallRecord: Sendable, Hashable, Codable {
    public enum Outcome: String, Sendable, Codable {
        /// The client got a complete answer.
        case success
        /// Rejected before any upstream call (auth, validation, policy).
        case rejected
        /// Every upstream attempt failed; the client got an error.
        case upstreamError = "upstream_error"
        /// A stream failed after bytes were sent; the client got an in-band error.
        case truncated
        /// The client went away before the answer completed.
        case cancelled
    }

    /// One upstream attempt inside the call (retries and fallbacks add more).
    public struct Attempt: Sendable, Hashable, Codable {
        public var deployment: String
        public var provider: String
        public var status: Int?
        public var errorClass: String?
        public var latencyMs: Double
        /// Tokens the vendor billed for this attempt (the one that answered), if any.
        public var promptTokens: Int?
        public var completionTokens: Int?
        public init(
            deployment: String, provider: String, status: Int?, errorClass: String?, latencyMs: Double,
            promptTokens: Int? = nil, completionTokens: Int? = nil
        ) {
            self.promptTokens = promptTokens
            self.completionTokens = completionTokens
            self.deployment = deployment
            self.provider = provider
            self.status = status
            self.errorClass = errorClass
            self.latencyMs = latencyMs
        }
    }

    public var requestId: String
    public var startedAt: Date
    public var keyId: String?
    public var keyPrefix: String?
    public var orgId: String?
    public var teamId: String?
    public var projectId: String?
    public var endpoint: String
    public var alias: String?
    public var provider: String?
    public var deployment: String?
    public var upstreamModel: String?
    public var status: Int
    public var outcome: Outcome
    public var errorClass: String?
    public var promptTokens: Int
    public var completionTokens: Int
    public var latencyMs: Double
    public var ttftMs: Double?
    public var streamed: Bool
    public var attempts: [Attempt]
    /// What guardrails decided (detector, direction, action, count, location; never the text).
    public var guardrails: [GuardrailDecision] = []
    /// What the call cost at the price in effect when it started (exact decimal USD string),
    /// and that price's version; nil when unbilled or the model is unpriced.
    public var costUSD: String?
    public var priceVersion: String?
    /// For a call by a workload (SPIFFE identity): the identity and what its AgentPolicy
    /// decided (policy, version, rule, outcome, reason). Nil for virtual-key calls.
    public var policy: PolicyEvidence?
    /// True when the tokens (and so the cost) are the gateway's estimate, not the vendor's
    /// report: a stream that ended early settles what was delivered (`EarlyEndSettlement`).
    public var usageEstimated = false

    public init(
        requestId: String, startedAt: Date, keyId: String? = nil, keyPrefix: String? = nil,
        orgId: String? = nil, teamId: String? = nil, projectId: String? = nil, endpoint: String,
        alias: String? = nil, provider: String? = nil, deployment: String? = nil,
        upstreamModel: String? = nil, status: Int, outcome: Outcome, errorClass: String? = nil,
        promptTokens: Int = 0, completionTokens: Int = 0, latencyMs: Double = 0, ttftMs: Double? = nil,
        streamed: Bool = false, attempts: [Attempt] = [], guardrails: [GuardrailDecision] = []
    ) {
        self.guardrails = guardrails
        self.requestId = requestId
        self.startedAt = startedAt
        self.keyId = keyId
        self.keyPrefix = keyPrefix
        self.orgId = orgId
        self.teamId = teamId
        self.projectId = projectId
        self.endpoint = endpoint
        self.alias = alias
        self.provider = provider
        self.deployment = deployment
        self.upstreamModel = upstreamModel
        self.status = status
        self.outcome = outcome
        self.errorClass = errorClass
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.latencyMs = latencyMs
        self.ttftMs = ttftMs
        self.streamed = streamed
        self.attempts = attempts
    }

    private enum CodingKeys: String, CodingKey {
        case requestId, startedAt, keyId, keyPrefix, orgId, teamId, projectId, endpoint, alias, provider, deployment
        case upstreamModel, status, outcome, errorClass, promptTokens, completionTokens, latencyMs, ttftMs, streamed
        case attempts, guardrails, costUSD, priceVersion, policy, usageEstimated
    }

    /// Decodes records written before guardrails existed (no `guardrails` member) as having none.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        requestId = try c.decode(String.self, forKey: .requestId)
        startedAt = try c.decode(Date.self, forKey: .startedAt)
        keyId = try c.decodeIfPresent(String.self, forKey: .keyId)
        keyPrefix = try c.decodeIfPresent(String.self, forKey: .keyPrefix)
        orgId = try c.decodeIfPresent(String.self, forKey: .orgId)
        teamId = try c.decodeIfPresent(String.self, forKey: .teamId)
        projectId = try c.decodeIfPresent(String.self, forKey: .projectId)
        endpoint = try c.decode(String.self, forKey: .endpoint)
        alias = try c.decodeIfPresent(String.self, forKey: .alias)
        provider = try c.decodeIfPresent(String.self, forKey: .provider)
        deployment = try c.decodeIfPresent(String.self, forKey: .deployment)
        upstreamModel = try c.decodeIfPresent(String.self, forKey: .upstreamModel)
        status = try c.decode(Int.self, forKey: .status)
        outcome = try c.decode(Outcome.self, forKey: .outcome)
        errorClass = try c.decodeIfPresent(String.self, forKey: .errorClass)
        promptTokens = try c.decode(Int.self, forKey: .promptTokens)
        completionTokens = try c.decode(Int.self, forKey: .completionTokens)
        latencyMs = try c.decode(Double.self, forKey: .latencyMs)
        ttftMs = try c.decodeIfPresent(Double.self, forKey: .ttftMs)
        streamed = try c.decode(Bool.self, forKey: .streamed)
        attempts = try c.decode([Attempt].self, forKey: .attempts)
        guardrails = try c.decodeIfPresent([GuardrailDecision].self, forKey: .guardrails) ?? []
        costUSD = try c.decodeIfPresent(String.self, forKey: .costUSD)
        priceVersion = try c.decodeIfPresent(String.self, forKey: .priceVersion)
        policy = try c.decodeIfPresent(PolicyEvidence.self, forKey: .policy)
        usageEstimated = try c.decodeIfPresent(Bool.self, forKey: .usageEstimated) ?? false
    }
}
