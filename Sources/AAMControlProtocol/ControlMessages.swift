import Foundation

/// One control-socket message, in either direction.
///
/// A flat envelope rather than an enum with associated values: the JSON stays readable
/// (`{"type":"query","id":3,"query":"providers"}`), nil members are omitted, and a newer peer's
/// extra members are ignored by an older one. `type` says which payload member is set.
///
/// Conversation: both sides send `hello` first (the daemon's carries `daemon`). The client then
/// sends `query`, `subscribe`, `unsubscribe` or `command`, each with an `id` the daemon echoes on
/// its answer (`result` with the payload named after the query, `commandResult`, or `error`).
/// After `subscribe` the daemon pushes `event` messages, and `missed` when this subscriber's
/// bounded queue overflowed (how many events it lost since the last `missed`).
public struct ControlMessage: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case hello, query, subscribe, unsubscribe, command
        case result, commandResult, error, event, missed, subscribed
    }

    public var type: Kind
    public var id: Int?
    public var hello: ControlHello?
    /// Set on the daemon's `hello`.
    public var daemon: DaemonInfo?
    public var query: ControlQuery?
    public var command: ControlCommand?
    // Answers to queries (exactly one set on a `result`).
    public var status: StatusView?
    public var providers: [ProviderRow]?
    public var spend: [SpendRow]?
    public var keys: [KeyRow]?
    public var aliases: [AliasRow]?
    public var guardrails: GuardrailSummary?
    /// Answer to `agents`: one row per registered workload.
    public var agents: [AgentRow]?
    public var commandResult: CommandResult?
    public var error: ControlError?
    public var event: ControlEvent?
    /// Events dropped for this subscriber since the previous `missed`.
    public var missed: Int?

    public init(type: Kind, id: Int? = nil) {
        self.type = type
        self.id = id
    }

    public static func hello(_ hello: ControlHello, daemon: DaemonInfo? = nil) -> ControlMessage {
        var message = ControlMessage(type: .hello)
        message.hello = hello
        message.daemon = daemon
        return message
    }

    public static func query(_ query: ControlQuery, id: Int) -> ControlMessage {
        var message = ControlMessage(type: .query, id: id)
        message.query = query
        return message
    }

    public static func command(_ command: ControlCommand, id: Int) -> ControlMessage {
        var message = ControlMessage(type: .command, id: id)
        message.command = command
        return message
    }

    public static func event(_ event: ControlEvent) -> ControlMessage {
        var message = ControlMessage(type: .event)
        message.event = event
        return message
    }

    public static func failure(_ error: ControlError, id: Int?) -> ControlMessage {
        var message = ControlMessage(type: .error, id: id)
        message.error = error
        return message
    }
}

/// What a `query` asks for; the `result` carries the member of the same name.
public enum ControlQuery: String, Codable, Sendable, CaseIterable {
    case status, providers, spend, keys, aliases, guardrails, agents
}

public struct ControlError: Codable, Sendable, Equatable, Error {
    /// Stable machine-readable code: `bad_message`, `version_mismatch`, `unknown_query`,
    /// `not_found`, `invalid_command`, `permission_denied`, `internal`; and before or instead
    /// of a conversation: `hello_timeout` (no hello in time), `too_many_connections`.
    public var code: String
    public var message: String
    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }
}

/// Who the daemon is (on its `hello`).
public struct DaemonInfo: Codable, Sendable, Equatable {
    public var version: String
    public var pid: Int32
    public var listen: String
    public var startedAt: Date
    public init(version: String, pid: Int32, listen: String, startedAt: Date) {
        self.version = version
        self.pid = pid
        self.listen = listen
        self.startedAt = startedAt
    }
}

// MARK: Commands

/// An operator command. `kind` says which members are required; the daemon answers a missing
/// or wrong member with `error` code `invalid_command` naming it.
public struct ControlCommand: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// `provider`
        case drainProvider, undrainProvider
        /// `deployment`
        case drainDeployment, undrainDeployment
        /// `keyId`, `gracePeriodSeconds` (0 = the old secret stops at once)
        case rotateKey
        /// `keyId`
        case revokeKey
        /// `deployment`, `weight` and/or `priority`
        case updateDeployment
        /// `alias`, `provider`, `upstreamModel`, optional `weight`, `priority`
        case addDeployment
        /// `deployment`
        case removeDeployment
        /// `alias`, `fallbacks` (the complete new order)
        case setFallbacks
    }

    public var kind: Kind
    public var provider: String?
    public var deployment: String?
    public var keyId: String?
    public var gracePeriodSeconds: Int?
    public var alias: String?
    public var upstreamModel: String?
    public var weight: Int?
    public var priority: Int?
    public var fallbacks: [String]?

    public init(
        kind: Kind, provider: String? = nil, deployment: String? = nil, keyId: String? = nil, gracePeriodSeconds: Int? = nil,
        alias: String? = nil, upstreamModel: String? = nil, weight: Int? = nil, priority: Int? = nil, fallbacks: [String]? = nil
    ) {
        self.kind = kind
        self.provider = provider
        self.deployment = deployment
        self.keyId = keyId
        self.gracePeriodSeconds = gracePeriodSeconds
        self.alias = alias
        self.upstreamModel = upstreamModel
        self.weight = weight
        self.priority = priority
        self.fallbacks = fallbacks
    }
}

public struct CommandResult: Codable, Sendable, Equatable {
    /// One line for the status bar, e.g. "drained provider openai-east".
    public var message: String
    /// Only on `rotateKey`: the new secret, shown once in a modal and never stored by the console.
    public var newSecret: String?
    public var keyPrefix: String?
    public init(message: String, newSecret: String? = nil, keyPrefix: String? = nil) {
        self.message = message
        self.newSecret = newSecret
        self.keyPrefix = keyPrefix
    }
}

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
    public init(
        daemon: DaemonInfo, configVersion: Int, callsSinceStart: Int, errorsSinceStart: Int, subscribers: Int,
        providers: Int, deployments: Int, aliases: Int, keys: Int
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
    /// `org`, `team`, `project` or `key`.
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

// MARK: Live events

public struct ControlEvent: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable { case call, guardrailHit, health, adminChange, policyDecision }
    public var kind: Kind
    public var call: CallRow?
    public var guardrailHit: GuardrailHitRow?
    public var health: HealthRow?
    public var adminChange: AdminChangeRow?
    public var policyDecision: PolicyDecisionRow?
    public init(
        kind: Kind, call: CallRow? = nil, guardrailHit: GuardrailHitRow? = nil, health: HealthRow? = nil,
        adminChange: AdminChangeRow? = nil, policyDecision: PolicyDecisionRow? = nil
    ) {
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
