import Foundation

/// How one upstream attempt ended, as far as the deployment's health is concerned.
///
/// The classification is the whole policy of what trips health: only `serverError`, `timeout`
/// and `connectionError` count as failures; `requestError` is the caller's fault and never
/// trips; `rateLimited` cools down instead of counting; `credentialRejected` needs an operator.
public enum UpstreamOutcome: Sendable, Hashable {
    /// A 2xx answer (for a stream: the response head arrived and the stream ran to its end or
    /// failed only after content was sent, which is not the deployment's health problem).
    case success
    /// 429. `retryAt` is when the upstream said to come back (`RateLimitHeaders.retryAt`), or
    /// `nil` when it did not say; then `HealthPolicy.defaultRateLimitCooldown` applies.
    case rateLimited(retryAt: Date?)
    /// 5xx (including Anthropic's 529 overloaded), or a non-HTTP-conformant answer.
    case serverError(status: Int)
    /// No answer within the attempt's timeout (including an upstream 408).
    case timeout
    /// The connection could not be made or broke before an answer.
    case connectionError
    /// 4xx other than 401/403/408/429: bad request, context length, not found. The request is
    /// at fault, not the deployment, so this never trips health.
    case requestError(status: Int)
    /// 401/403: the gateway's credential for this provider was refused.
    case credentialRejected(status: Int)
    /// The attempt ended without an upstream verdict (the client went away, the gateway shut
    /// down). Neutral: it only releases a probe slot.
    case cancelled

    /// Whether the outcome counts as a failure in the rolling window.
    public var isFailure: Bool {
        switch self {
        case .serverError, .timeout, .connectionError: true
        default: false
        }
    }

    /// Whether the outcome's latency says something about the deployment's speed. Successes
    /// obviously; timeouts too, so a hanging deployment looks slow to `least-latency` instead of
    /// looking unmeasured. A fast 500 must not make a broken deployment look attractive.
    public var informsLatency: Bool {
        switch self {
        case .success, .timeout: true
        default: false
        }
    }

    /// The outcome of an HTTP answer with `status`, reading rate-limit headers on a 429.
    ///
    /// - Parameter header: looks a response header up by lower-case name (see
    ///   `RateLimitHeaders.retryAt`); only consulted for 429.
    public static func classify(status: Int, receivedAt: Date, header: (String) -> String?) -> UpstreamOutcome {
        switch status {
        case 200..<300: .success
        case 429: .rateLimited(retryAt: RateLimitHeaders.retryAt(receivedAt: receivedAt, header: header))
        case 401, 403: .credentialRejected(status: status)
        case 408: .timeout
        case 400..<500: .requestError(status: status)
        default: .serverError(status: status)
        }
    }
}
