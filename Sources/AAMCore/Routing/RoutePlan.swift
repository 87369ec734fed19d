import Foundation

/// The attempt plan for one request on one alias, or why there is none.
public enum RoutePlan: Sendable, Hashable {
    /// Try these deployments in this order (never empty). `skipped` lists the candidates left
    /// out and why, for the error message if every attempt fails.
    case attempts([Deployment], skipped: [SkippedDeployment])
    /// Every candidate in the required region is cooling down after a 429: answer 429 with
    /// `retry-after` (`retryAfterSeconds(from:)`); `retryAt` is the earliest reset.
    case rateLimited(retryAt: Date, skipped: [SkippedDeployment])
    /// Nothing can be tried (breakers open, credentials invalid, wrong region, no candidates):
    /// answer 503 listing `skipped`, or fall back to the next alias.
    case unavailable(skipped: [SkippedDeployment])

    /// The deployments to try, empty unless `.attempts`.
    public var deployments: [Deployment] {
        if case .attempts(let deployments, _) = self { return deployments }
        return []
    }

    public var skipped: [SkippedDeployment] {
        switch self {
        case .attempts(_, let skipped), .rateLimited(_, let skipped), .unavailable(let skipped): skipped
        }
    }

    /// Whole seconds for a `retry-after` header: the earliest reset rounded up, at least 1
    /// (so a client never retries into the same cooldown). `nil` unless `.rateLimited`.
    public func retryAfterSeconds(from now: Date) -> Int? {
        guard case .rateLimited(let retryAt, _) = self else { return nil }
        return max(1, Int(retryAt.timeIntervalSince(now).rounded(.up)))
    }
}

/// A candidate deployment the plan left out.
public struct SkippedDeployment: Sendable, Hashable {
    public var deployment: Deployment
    public var reason: SkipReason

    public init(deployment: Deployment, reason: SkipReason) {
        self.deployment = deployment
        self.reason = reason
    }
}

public enum SkipReason: Sendable, Hashable {
    /// The request requires a region this deployment is not in.
    case regionMismatch(required: String)
    /// Health refuses traffic for now.
    case unhealthy(HealthAvailability)

    /// A short stable code for messages and attempt records: `region_mismatch`,
    /// `rate_limited`, `circuit_open`, `probe_in_flight`, `credential_invalid`.
    public var code: String {
        switch self {
        case .regionMismatch: "region_mismatch"
        case .unhealthy(let availability): availability.code ?? "available"
        }
    }
}
