import Foundation

// MARK: Trends (the console's sparklines)

/// The gateway's recent history in fixed intervals, oldest first: answer to the `trends` query
/// (the whole window, so a console that attaches sees the last 15 minutes at once) and the
/// payload of `trend` events (only the newest buckets; the console folds them in by `start`).
public struct TrendHistory: Codable, Sendable, Equatable {
    /// Length of one bucket in seconds (10 on `aamd`).
    public var intervalSeconds: Int
    /// How many buckets the daemon keeps (90: 15 minutes).
    public var capacity: Int
    /// Oldest first; the last one is the interval in progress (its figures still grow).
    public var buckets: [TrendBucket]

    public init(intervalSeconds: Int, capacity: Int, buckets: [TrendBucket]) {
        self.intervalSeconds = intervalSeconds
        self.capacity = capacity
        self.buckets = buckets
    }
}

/// One interval of traffic. Maps are keyed by deployment id, workload SPIFFE ID and scope id
/// (`kind:id` as the Spend view's rows, e.g. `team:t1`); entries without activity are left out.
public struct TrendBucket: Codable, Sendable, Equatable {
    /// Start of the interval (a multiple of the interval length since 1970).
    public var start: Date
    /// Finished calls (every outcome).
    public var requests: Int
    /// Calls that did not succeed.
    public var errors: Int
    /// 95th percentile of the calls' latency in milliseconds (nil without calls).
    public var p95Ms: Double?
    /// Spend of the calls that finished in the interval, decimal USD.
    public var spendUSD: String
    public var deployments: [String: DeploymentTrend]?
    public var workloads: [String: DecisionTrend]?
    /// Spend per scope in the interval, decimal USD.
    public var scopes: [String: String]?

    public init(
        start: Date, requests: Int = 0, errors: Int = 0, p95Ms: Double? = nil, spendUSD: String = "0",
        deployments: [String: DeploymentTrend]? = nil, workloads: [String: DecisionTrend]? = nil, scopes: [String: String]? = nil
    ) {
        self.start = start
        self.requests = requests
        self.errors = errors
        self.p95Ms = p95Ms
        self.spendUSD = spendUSD
        self.deployments = deployments
        self.workloads = workloads
        self.scopes = scopes
    }
}

/// One deployment in one interval: its upstream attempts and what began there.
public struct DeploymentTrend: Codable, Sendable, Equatable {
    public var attempts: Int
    public var errors: Int
    public var p95Ms: Double?
    /// A cooldown (breaker opened) began in this interval.
    public var cooldownBegan: Bool?
    /// The deployment (or its provider) was drained in this interval.
    public var drainBegan: Bool?

    public init(attempts: Int = 0, errors: Int = 0, p95Ms: Double? = nil, cooldownBegan: Bool? = nil, drainBegan: Bool? = nil) {
        self.attempts = attempts
        self.errors = errors
        self.p95Ms = p95Ms
        self.cooldownBegan = cooldownBegan
        self.drainBegan = drainBegan
    }
}

/// A workload's AgentPolicy decisions in one interval.
public struct DecisionTrend: Codable, Sendable, Equatable {
    public var allowed: Int
    public var denied: Int
    public init(allowed: Int = 0, denied: Int = 0) {
        self.allowed = allowed
        self.denied = denied
    }
}
