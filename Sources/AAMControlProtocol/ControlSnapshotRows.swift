import Foundation

// MARK: Snapshot rows

public struct StatusView: Codable, Sendable, Equatable {
    public var daemon: DaemonInfo
    public var configVersion: Int
    public var callsSinceStart: Int
    public var errorsSinceStart: Int
    public var subscribers: Int
    public var providers: Int
    public var deployments: Int
    public var aliases: Int
    public var keys: Int
    /// The cluster this daemon is a replica of (nil: a single node, or a daemon that predates
    /// clusters; optional so either side still decodes the other's status).
    public var cluster: ClusterHealth?
    public init(
        daemon: DaemonInfo, configVersion: Int, callsSinceStart: Int, errorsSinceStart: Int, subscribers: Int,
        providers: Int, deployments: Int, aliases: Int, keys: Int, cluster: ClusterHealth? = nil
    ) {
        self.daemon = daemon
        self.configVersion = configVersion
        self.callsSinceStart = callsSinceStart
        self.errorsSinceStart = errorsSinceStart
        self.subscribers = subscribers
        self.providers = providers
        self.deployments = deployments
        self.aliases = aliases
        self.keys = keys
        self.cluster = cluster
    }
}

/// One deployment as the Providers view shows it.
public struct ProviderRow: Codable, Sendable, Equatable {
    public var deployment: String
    public var alias: String
    public var provider: String
    public var upstreamModel: String
    /// `closed`, `open`, `half_open`, … (the health state name).
    public var state: String
    public var reason: String?
    public var cooldownRemainingSeconds: Double
    public var errorRate: Double
    public var requestsInWindow: Int
    public var inFlight: Int
    public var p50Ms: Double?
    public var p95Ms: Double?
    public var deploymentDrained: Bool
    public var providerDrained: Bool
    public var weight: Int
    public var priority: Int
    public init(
        deployment: String, alias: String, provider: String, upstreamModel: String, state: String, reason: String? = nil,
        cooldownRemainingSeconds: Double = 0, errorRate: Double = 0, requestsInWindow: Int = 0, inFlight: Int = 0,
        p50Ms: Double? = nil, p95Ms: Double? = nil, deploymentDrained: Bool = false, providerDrained: Bool = false,
        weight: Int = 1, priority: Int = 0
    ) {
        self.deployment = deployment
        self.alias = alias
        self.provider = provider
        self.upstreamModel = upstreamModel
        self.state = state
        self.reason = reason
        self.cooldownRemainingSeconds = cooldownRemainingSeconds
        self.errorRate = errorRate
        self.requestsInWindow = requestsInWindow
        self.inFlight = inFlight
        self.p50Ms = p50Ms
        self.p95Ms = p95Ms
        self.deploymentDrained = deploymentDrained
        self.providerDrained = providerDrained
        self.weight = weight
        self.priority = priority
    }
}

/// One scope (org, team, project or key) in the Spend tree.
public struct SpendRow: Codable, Sendable, Equatable {
    /// `org`, `team`, `project` or `key`; `provider` or `deployment` for their budgets.
    public var kind: String
    public var id: String
    /// The parent scope's id (nil for an org); rows come parent first.
    public var parent: String?
    public var name: String?
    public var budgets: [BudgetBar]
    public var tokensToday: Int
    public var spentTodayUSD: String
    /// Spend rate over the last hour, USD per hour (decimal string).
    public var burnRateUSDPerHour: String
    public init(
        kind: String, id: String, parent: String?, name: String? = nil, budgets: [BudgetBar], tokensToday: Int,
        spentTodayUSD: String, burnRateUSDPerHour: String
    ) {
        self.kind = kind
        self.id = id
        self.parent = parent
        self.name = name
        self.budgets = budgets
        self.tokensToday = tokensToday
        self.spentTodayUSD = spentTodayUSD
        self.burnRateUSDPerHour = burnRateUSDPerHour
    }
}

public struct BudgetBar: Codable, Sendable, Equatable {
    /// `daily`, `weekly`, `monthly` or `total`.
    public var period: String
    public var spentUSD: String
    public var limitUSD: String?
    public var tokens: Int
    public var tokenLimit: Int?
    public init(period: String, spentUSD: String, limitUSD: String?, tokens: Int, tokenLimit: Int?) {
        self.period = period
        self.spentUSD = spentUSD
        self.limitUSD = limitUSD
        self.tokens = tokens
        self.tokenLimit = tokenLimit
    }
}

public struct KeyRow: Codable, Sendable, Equatable {
    public var id: String
    public var prefix: String
    public var name: String?
    /// `org/team/project` as far as set.
    public var scope: String
    /// `active`, `expired`, `revoked`, or `grace` (a rotated-out secret still accepted).
    public var state: String
    public var expiresAt: Date?
    public var lastUsedAt: Date?
    public var createdAt: Date?
    public init(
        id: String, prefix: String, name: String?, scope: String, state: String, expiresAt: Date?, lastUsedAt: Date?,
        createdAt: Date?
    ) {
        self.id = id
        self.prefix = prefix
        self.name = name
        self.scope = scope
        self.state = state
        self.expiresAt = expiresAt
        self.lastUsedAt = lastUsedAt
        self.createdAt = createdAt
    }
}

public struct AliasRow: Codable, Sendable, Equatable {
    public struct Member: Codable, Sendable, Equatable {
        public var deployment: String
        public var provider: String
        public var upstreamModel: String
        public var weight: Int
        public var priority: Int
        public var drained: Bool
        public init(deployment: String, provider: String, upstreamModel: String, weight: Int, priority: Int, drained: Bool) {
            self.deployment = deployment
            self.provider = provider
            self.upstreamModel = upstreamModel
            self.weight = weight
            self.priority = priority
            self.drained = drained
        }
    }
    public var name: String
    public var strategy: String
    public var fallbacks: [String]
    public var retries: Int
    public var deployments: [Member]
    public init(name: String, strategy: String, fallbacks: [String], retries: Int, deployments: [Member]) {
        self.name = name
        self.strategy = strategy
        self.fallbacks = fallbacks
        self.retries = retries
        self.deployments = deployments
    }
}

/// Guardrail hits since the daemon started: counts per detector and scope, per minute for the
/// last hour, and the most recent hits (never the matched text).
public struct GuardrailSummary: Codable, Sendable, Equatable {
    public struct Counter: Codable, Sendable, Equatable {
        public var detector: String
        /// `org:acme`, `key:k_1`, … the scope whose policy fired.
        public var scope: String
        public var action: String
        public var total: Int
        /// Hits per minute, oldest first, the last one being the current minute (≤ 60 entries).
        public var perMinute: [Int]
        public init(detector: String, scope: String, action: String, total: Int, perMinute: [Int]) {
            self.detector = detector
            self.scope = scope
            self.action = action
            self.total = total
            self.perMinute = perMinute
        }
    }
    public var counters: [Counter]
    public var recent: [GuardrailHitRow]
    public init(counters: [Counter], recent: [GuardrailHitRow]) {
        self.counters = counters
        self.recent = recent
    }
}

/// One registered workload (agent) and the policy that governs it, as the Agents view shows it.
public struct AgentRow: Codable, Sendable, Equatable {
    public var spiffeId: String
    public var owner: String
    public var team: String
    public var environment: String
    /// The most specific policy that applies (nil: none, so every call is denied).
    public var policy: String?
    public var policyVersion: Int?
    /// `enforce` or `shadow`.
    public var policyMode: String?
    /// Model aliases the policy allows (`*` for any); empty when none are granted.
    public var allowedModels: [String]
    public var dailyBudgetUSD: String?
    public var spentTodayUSD: String?
    /// Decisions since the daemon started.
    public var allowed: Int
    public var denied: Int
    public var lastDecision: PolicyDecisionRow?
    public init(
        spiffeId: String, owner: String, team: String, environment: String, policy: String?, policyVersion: Int?, policyMode: String?,
        allowedModels: [String], dailyBudgetUSD: String?, spentTodayUSD: String?, allowed: Int, denied: Int, lastDecision: PolicyDecisionRow?
    ) {
        self.spiffeId = spiffeId
        self.owner = owner
        self.team = team
        self.environment = environment
        self.policy = policy
        self.policyVersion = policyVersion
        self.policyMode = policyMode
        self.allowedModels = allowedModels
        self.dailyBudgetUSD = dailyBudgetUSD
        self.spentTodayUSD = spentTodayUSD
        self.allowed = allowed
        self.denied = denied
        self.lastDecision = lastDecision
    }
}
