import Foundation

/// The externally visible name of a deployment's health state (stable strings for the admin
/// API, the console and events).
public enum HealthStateName: String, Sendable, Hashable, Codable, CaseIterable {
    /// Serving normally.
    case closed
    /// Tripped by failures: refuses traffic until its backoff elapses.
    case open
    /// Backoff elapsed: admits one probe request whose outcome decides what comes next.
    case halfOpen = "half_open"
    /// Answered 429: refuses traffic until the moment the upstream named.
    case coolingDown = "cooling_down"
    /// The credential was refused (401/403): refuses traffic until an operator replaces the
    /// credential or the long recheck elapses.
    case credentialInvalid = "credential_invalid"
}

/// Why a deployment is in its state, or why it changed state.
public enum HealthReason: String, Sendable, Hashable, Codable, CaseIterable {
    case rateLimited = "rate_limited"
    /// Another replica was answered 429 by the same deployment (the vendor's limit is per
    /// credential, not per replica): cooling down until the reset it was told.
    case peerRateLimited = "peer_rate_limited"
    case failureRatio = "failure_ratio"
    case probeFailed = "probe_failed"
    case probeSucceeded = "probe_succeeded"
    case credentialInvalid = "credential_invalid"
    case credentialReplaced = "credential_replaced"
    case cooldownElapsed = "cooldown_elapsed"
    case backoffElapsed = "backoff_elapsed"
    case recheckDue = "recheck_due"
}

/// Something a person has to do; carried by the transition that calls for it.
public enum OperatorEvent: Sendable, Hashable, Codable {
    /// The provider refused the deployment's credential with `status` (401 or 403): replace it.
    case credentialRejected(status: Int)
}

/// A change of a deployment's health state, for the event bus.
///
/// Reported only when the state's name changes. Time-driven changes (a cooldown or backoff
/// that elapsed) are reported by the next call that observes them (`admit`, `record`,
/// `advance`), with `at` being that call's time.
public struct HealthTransition: Sendable, Hashable, Codable {
    public var deploymentID: String
    public var from: HealthStateName
    public var to: HealthStateName
    public var reason: HealthReason
    public var at: Date
    /// When the new state ends by itself (cooldown, backoff or credential recheck), if it does.
    public var until: Date?
    /// Set when a person must act (a rejected credential): publish it as an operator alert.
    public var operatorEvent: OperatorEvent?

    public init(
        deploymentID: String, from: HealthStateName, to: HealthStateName, reason: HealthReason, at: Date,
        until: Date? = nil, operatorEvent: OperatorEvent? = nil
    ) {
        self.deploymentID = deploymentID
        self.from = from
        self.to = to
        self.reason = reason
        self.at = at
        self.until = until
        self.operatorEvent = operatorEvent
    }
}

/// Whether a deployment takes a request now, and if not, why and until when.
public enum HealthAvailability: Sendable, Hashable {
    /// Closed: take it.
    case available
    /// Half-open with the probe slot free: the next admitted request is the probe.
    case probeAvailable
    /// Cooling down after a 429 until the given instant.
    case rateLimited(until: Date)
    /// Breaker open until the given instant.
    case open(until: Date)
    /// Half-open, and the single probe is already in flight.
    case probeInFlight
    /// The credential was refused; rechecked at the given instant unless replaced sooner.
    case credentialInvalid(recheckAt: Date)

    public var isAvailable: Bool {
        switch self {
        case .available, .probeAvailable: true
        default: false
        }
    }

    /// When the deployment will take requests again by itself, if that time is known.
    public var until: Date? {
        switch self {
        case .rateLimited(let until), .open(let until): until
        case .credentialInvalid(let recheckAt): recheckAt
        case .available, .probeAvailable, .probeInFlight: nil
        }
    }

    /// A short stable code for error messages and attempt records (`rate_limited`,
    /// `circuit_open`, `probe_in_flight`, `credential_invalid`), `nil` when available.
    public var code: String? {
        switch self {
        case .available, .probeAvailable: nil
        case .rateLimited: "rate_limited"
        case .open: "circuit_open"
        case .probeInFlight: "probe_in_flight"
        case .credentialInvalid: "credential_invalid"
        }
    }
}
