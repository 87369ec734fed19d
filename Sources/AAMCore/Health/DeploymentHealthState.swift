import Foundation

extension DeploymentHealth {
    /// Where a deployment's health machine is. Each time-limited state carries the instant it
    /// ends, so the machine never needs a timer: `elapsed` derives the next state from `now`.
    public enum State: Sendable, Hashable {
        case closed
        /// Refusing traffic until `until`, after a 429.
        case coolingDown(until: Date)
        /// Refusing traffic until `until`; `backoff` is how long this open period is.
        case open(reason: HealthReason, until: Date, backoff: TimeInterval)
        /// Admitting one probe; a failed probe reopens for `backoffOnFailure`.
        case halfOpen(reason: HealthReason, backoffOnFailure: TimeInterval, probeStartedAt: Date?)
        /// Refusing traffic until an operator replaces the credential or `recheckAt`.
        case credentialInvalid(status: Int, recheckAt: Date)

        public var name: HealthStateName {
            switch self {
            case .closed: .closed
            case .coolingDown: .coolingDown
            case .open: .open
            case .halfOpen: .halfOpen
            case .credentialInvalid: .credentialInvalid
            }
        }

        var reason: HealthReason? {
            switch self {
            case .closed: nil
            case .coolingDown: .rateLimited
            case .open(let reason, _, _), .halfOpen(let reason, _, _): reason
            case .credentialInvalid: .credentialInvalid
            }
        }

        var until: Date? {
            switch self {
            case .coolingDown(let until), .open(_, let until, _): until
            case .credentialInvalid(_, let recheckAt): recheckAt
            case .closed, .halfOpen: nil
            }
        }
    }

    /// The change time alone causes at `now`, if any. One step always suffices: no state
    /// reached this way is itself time-limited.
    static func elapsed(_ state: State, at now: Date, policy: HealthPolicy) -> (state: State, reason: HealthReason)? {
        switch state {
        case .coolingDown(let until) where now >= until:
            return (.closed, .cooldownElapsed)
        case .open(_, let until, let backoff) where now >= until:
            let next = policy.nextBackoff(after: backoff)
            return (.halfOpen(reason: .backoffElapsed, backoffOnFailure: next, probeStartedAt: nil), .backoffElapsed)
        case .credentialInvalid(_, let recheckAt) where now >= recheckAt:
            return (.halfOpen(reason: .recheckDue, backoffOnFailure: policy.openBackoffSeconds, probeStartedAt: nil), .recheckDue)
        case .halfOpen(let why, let backoff, let started?) where now.timeIntervalSince(started) >= policy.probeLeaseSeconds:
            return (.halfOpen(reason: why, backoffOnFailure: backoff, probeStartedAt: nil), why)
        default:
            return nil
        }
    }

    /// What the state means for the next request.
    static func availability(of state: State) -> HealthAvailability {
        switch state {
        case .closed: .available
        case .coolingDown(let until): .rateLimited(until: until)
        case .open(_, let until, _): .open(until: until)
        case .halfOpen(_, _, nil): .probeAvailable
        case .halfOpen: .probeInFlight
        case .credentialInvalid(_, let recheckAt): .credentialInvalid(recheckAt: recheckAt)
        }
    }
}
