/// One way to serve an alias: a provider plus the model name that provider knows.
public struct Deployment: Sendable, Hashable, Codable, Identifiable {
    public var id: String
    public var alias: String
    public var provider: String
    public var upstreamModel: String
    /// Relative share of traffic among the alias's deployments of the same priority.
    public var weight: Int
    /// Lower numbers are tried first by the `priority` strategy.
    public var priority: Int
    public var region: String?
    public var rpm: Int?
    public var tpm: Int?
    /// Declared context window in tokens, for context-window fallback.
    public var contextWindow: Int?
    public var drained: Bool
    /// Spending caps on this deployment alone (a costly model's daily cap). Routing passes over
    /// a deployment whose budget cannot hold a call, like one at its rate limit.
    public var budgets: [Budget]?

    public init(
        id: String, alias: String, provider: String, upstreamModel: String, weight: Int = 1,
        priority: Int = 0, region: String? = nil, rpm: Int? = nil, tpm: Int? = nil,
        contextWindow: Int? = nil, drained: Bool = false, budgets: [Budget]? = nil
    ) {
        self.budgets = budgets
        self.id = id
        self.alias = alias
        self.provider = provider
        self.upstreamModel = upstreamModel
        self.weight = weight
        self.priority = priority
        self.region = region
        self.rpm = rpm
        self.tpm = tpm
        self.contextWindow = contextWindow
        self.drained = drained
    }
}

/// Routing settings of an alias (`PUT /admin/aliases/ALIAS`).
public struct AliasSettings: Sendable, Hashable, Codable {
    public enum Strategy: String, Sendable, Codable, CaseIterable {
        case weighted
        case priority
        case leastLatency = "least-latency"
        case leastBusy = "least-busy"
    }

    public var name: String
    public var strategy: Strategy
    /// Other aliases tried, in order, when every deployment of this one failed.
    public var fallbacks: [String]
    /// Extra attempts on other deployments after the first one fails before any byte was sent.
    public var retries: Int
    public var timeoutMs: Int?
    public var contextWindowFallback: String?

    public init(
        name: String, strategy: Strategy = .weighted, fallbacks: [String] = [], retries: Int = 1,
        timeoutMs: Int? = nil, contextWindowFallback: String? = nil
    ) {
        self.name = name
        self.strategy = strategy
        self.fallbacks = fallbacks
        self.retries = retries
        self.timeoutMs = timeoutMs
        self.contextWindowFallback = contextWindowFallback
    }
}
