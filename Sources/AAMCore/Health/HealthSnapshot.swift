import Foundation

/// A deployment's health as `GET /admin/providers` and the console show it.
///
/// Always the effective state at the snapshot's time: a cooldown that has elapsed reads as
/// `closed`, an elapsed backoff as `half_open`, even before any request observed the change.
public struct HealthSnapshot: Sendable, Hashable, Codable {
    public var deploymentID: String
    public var state: HealthStateName
    /// Why the deployment is in this state; `nil` when closed.
    public var reason: HealthReason?
    /// When the current cooldown, backoff or credential recheck ends, if one is running.
    public var until: Date?
    /// Seconds until `until`, 0 when there is none.
    public var remainingCooldownSeconds: Double
    /// Failures / outcomes in the rolling window (0 when the window is empty).
    public var errorRate: Double
    public var requestsInWindow: Int
    public var failuresInWindow: Int
    /// Whether the half-open probe is out.
    public var probeInFlight: Bool
    /// Attempts begun and not yet finished. Filled by `HealthRegistry`; 0 from a bare machine.
    public var inFlight: Int
    /// Smoothed latency in milliseconds. Filled by `HealthRegistry`; `nil` until measured.
    public var latencyMilliseconds: Double?

    public init(
        deploymentID: String, state: HealthStateName, reason: HealthReason?, until: Date?,
        remainingCooldownSeconds: Double, errorRate: Double, requestsInWindow: Int, failuresInWindow: Int,
        probeInFlight: Bool, inFlight: Int = 0, latencyMilliseconds: Double? = nil
    ) {
        self.deploymentID = deploymentID
        self.state = state
        self.reason = reason
        self.until = until
        self.remainingCooldownSeconds = remainingCooldownSeconds
        self.errorRate = errorRate
        self.requestsInWindow = requestsInWindow
        self.failuresInWindow = failuresInWindow
        self.probeInFlight = probeInFlight
        self.inFlight = inFlight
        self.latencyMilliseconds = latencyMilliseconds
    }
}
