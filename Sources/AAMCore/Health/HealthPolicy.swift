import Foundation

/// The tunables of `DeploymentHealth`. Times are seconds.
///
/// Out-of-range values are clamped by `init` (a window of at least one second, a ratio in
/// `0.01...1`, backoffs of at least a millisecond, a cap no lower than the first backoff), so
/// every policy yields a well-defined machine; validating and reporting bad configuration is the
/// config layer's job.
public struct HealthPolicy: Sendable, Hashable {
    /// Length of the rolling window over which the failure ratio is computed.
    public var windowSeconds: TimeInterval
    /// Number of buckets the window is kept in. An outcome counts for at least
    /// `windowSeconds × (1 − 1/windowBuckets)` and never longer than `windowSeconds`.
    public var windowBuckets: Int
    /// The breaker never opens on fewer outcomes than this in the window.
    public var minimumRequests: Int
    /// The breaker opens when failures / outcomes in the window reach this ratio.
    public var failureRatio: Double
    /// How long the breaker stays open the first time before the half-open probe.
    public var openBackoffSeconds: TimeInterval
    /// Each failed probe multiplies the backoff by this factor…
    public var backoffMultiplier: Double
    /// …up to this cap.
    public var maximumOpenBackoffSeconds: TimeInterval
    /// After a 401/403, how long before one probe checks whether the credential works again
    /// (an operator replacing the credential closes the breaker at once).
    public var credentialRecheckSeconds: TimeInterval
    /// Cooldown for a 429 that says nothing about when to come back.
    public var defaultRateLimitCooldownSeconds: TimeInterval
    /// Upper bound on any header-derived cooldown, so a bogus date cannot park a deployment
    /// for days.
    public var maximumRateLimitCooldownSeconds: TimeInterval
    /// A probe not reported back within this time is presumed lost, and another may start;
    /// it guards against a caller that never calls `record` for its probe.
    public var probeLeaseSeconds: TimeInterval

    public init(
        windowSeconds: TimeInterval = 30, windowBuckets: Int = 10, minimumRequests: Int = 5,
        failureRatio: Double = 0.5, openBackoffSeconds: TimeInterval = 5, backoffMultiplier: Double = 2,
        maximumOpenBackoffSeconds: TimeInterval = 300, credentialRecheckSeconds: TimeInterval = 3600,
        defaultRateLimitCooldownSeconds: TimeInterval = 5, maximumRateLimitCooldownSeconds: TimeInterval = 3600,
        probeLeaseSeconds: TimeInterval = 120
    ) {
        self.windowSeconds = max(1, windowSeconds)
        self.windowBuckets = min(120, max(1, windowBuckets))
        self.minimumRequests = max(1, minimumRequests)
        self.failureRatio = min(1, max(0.01, failureRatio))
        self.openBackoffSeconds = max(0.001, openBackoffSeconds)
        self.backoffMultiplier = max(1, backoffMultiplier)
        self.maximumOpenBackoffSeconds = max(self.openBackoffSeconds, maximumOpenBackoffSeconds)
        self.credentialRecheckSeconds = max(1, credentialRecheckSeconds)
        self.defaultRateLimitCooldownSeconds = max(0, defaultRateLimitCooldownSeconds)
        self.maximumRateLimitCooldownSeconds = max(self.defaultRateLimitCooldownSeconds, maximumRateLimitCooldownSeconds)
        self.probeLeaseSeconds = max(1, probeLeaseSeconds)
    }

    /// The backoff after a failed probe that followed an open period of `backoff` seconds.
    func nextBackoff(after backoff: TimeInterval) -> TimeInterval {
        min(maximumOpenBackoffSeconds, backoff * backoffMultiplier)
    }
}
