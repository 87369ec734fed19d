import Foundation

/// What a rate limit is about: a subject (`org:acme`, `key:K1`, `deployment:gpt4-east`) and
/// whether it counts requests (RPM) or tokens (TPM).
public struct RateLimitKey: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Dimension: String, Sendable, Hashable, Codable {
        case requests, tokens
    }

    public var subject: String
    public var dimension: Dimension

    public init(subject: String, dimension: Dimension) {
        self.subject = subject
        self.dimension = dimension
    }

    public init(scope: GovernanceScope, dimension: Dimension) {
        self.init(subject: scope.description, dimension: dimension)
    }

    public static func deployment(_ id: String, _ dimension: Dimension) -> RateLimitKey {
        RateLimitKey(subject: "deployment:\(id)", dimension: dimension)
    }

    public var description: String { "\(subject)/\(dimension.rawValue)" }
}

/// One limit to check in `RateLimiter.admit`: charge `cost` units against `limitPerMinute`.
public struct RateCharge: Sendable, Hashable {
    public var key: RateLimitKey
    public var cost: Int64
    public var limitPerMinute: Int64

    public init(key: RateLimitKey, cost: Int64, limitPerMinute: Int64) {
        self.key = key
        self.cost = cost
        self.limitPerMinute = limitPerMinute
    }
}

/// The state of one limit after a decision, for the `x-ratelimit-*` response headers.
public struct RateLimitStatus: Sendable, Hashable {
    public var key: RateLimitKey
    public var limit: Int64
    /// Whole units that could be spent right now.
    public var remaining: Int64
    /// Seconds until the limit is fully replenished (`remaining == limit`).
    public var resetAfter: TimeInterval

    public init(key: RateLimitKey, limit: Int64, remaining: Int64, resetAfter: TimeInterval) {
        self.key = key
        self.limit = limit
        self.remaining = remaining
        self.resetAfter = resetAfter
    }

    /// OpenAI-style headers: `x-ratelimit-limit-requests`, `x-ratelimit-remaining-requests`,
    /// `x-ratelimit-reset-requests` (a Go duration such as `1.5s` or `1m0s`), or `-tokens`.
    public var headers: [(name: String, value: String)] {
        let suffix = key.dimension.rawValue
        return [
            ("x-ratelimit-limit-\(suffix)", String(limit)),
            ("x-ratelimit-remaining-\(suffix)", String(remaining)),
            ("x-ratelimit-reset-\(suffix)", RateLimitStatus.goDuration(resetAfter)),
        ]
    }

    /// `0s`, `250ms`, `1.5s`, `1m0s`, `1m30.5s`: what OpenAI sends and `RateLimitHeaders` reads.
    public static func goDuration(_ seconds: TimeInterval) -> String {
        let millis = Int64((max(seconds, 0) * 1000).rounded(.up))
        if millis == 0 { return "0s" }
        if millis < 1000 { return "\(millis)ms" }
        let minutes = millis / 60_000
        let rest = millis % 60_000
        var text = String(rest / 1000)
        if rest % 1000 != 0 {
            var fraction = String(rest % 1000)
            fraction = String(repeating: "0", count: 3 - fraction.count) + fraction
            while fraction.hasSuffix("0") { fraction.removeLast() }
            text += "." + fraction
        }
        return minutes > 0 ? "\(minutes)m\(text)s" : "\(text)s"
    }
}

/// The answer of `RateLimiter.check` / `admit`.
public enum RateLimitDecision: Sendable, Hashable {
    /// Charged; one status per charge, in order, for the success headers.
    case allowed([RateLimitStatus])
    /// Not charged; retry after this many seconds (`retry-after`, rounded up to whole seconds).
    case limited(RateLimitStatus, retryAfter: TimeInterval)
    /// The cost exceeds the whole per-minute limit (or the limit is zero): it can never pass.
    case tooLarge(key: RateLimitKey, limit: Int64)
    /// Leased mode (several replicas): this replica's allowance of `charge.key` cannot hold the
    /// charge; renewing it (`RateLeaseBook`) may admit the call. Nothing was charged.
    case leaseShort(RateCharge)

    /// The `retry-after` header value: whole seconds, rounded up; nil when allowed or when
    /// waiting cannot help (`.tooLarge`).
    public var retryAfterHeader: String? {
        guard case .limited(_, let seconds) = self else { return nil }
        return String(Int64(max(seconds, 0).rounded(.up)))
    }

    public var isAllowed: Bool {
        if case .allowed = self { return true }
        return false
    }
}
