import Foundation

/// The health of one deployment: a circuit breaker with rate-limit cooldowns, as a pure state
/// machine.
///
/// - `closed` -> `open` when failures (5xx, timeouts, connection errors) reach
///   `failureRatio` of at least `minimumRequests` outcomes in the rolling window;
/// - `open` -> `half_open` when the backoff elapses; one probe is admitted;
/// - `half_open` -> `closed` when the probe gets a coherent answer, -> `open` when it fails,
///   for the previous backoff × `backoffMultiplier` (capped at `maximumOpenBackoffSeconds`);
/// - `closed` (or the probe) -> `cooling_down` on a 429, -> `closed` exactly at the
///   upstream's reset time; a 429 is the upstream working as designed, so it never counts
///   as a failure;
/// - any -> `credential_invalid` on 401/403, -> `closed` when an operator replaces the
///   credential, or -> `half_open` after `credentialRecheckSeconds`;
/// - request errors (400, 404, 413, context length) never change anything.
///
/// Driven only by events carrying their own time (`admit`, `record`, `advance`,
/// `credentialReplaced`); it reads no clock and does no I/O, so every rule is testable event by
/// event. Each event returns what the caller must do: an admission verdict, and a
/// `HealthTransition` to publish when the state's name changed (with an `OperatorEvent` when a
/// person must act). Time-driven changes need no timer: they are applied by whichever event
/// first observes them, and the queries (`availability`, `snapshot`) already report them.
///
/// Not thread safe by itself (a value type); `HealthRegistry` owns one per deployment behind a
/// lock.
public struct DeploymentHealth: Sendable {
    /// What `admit` decided.
    public enum AdmitVerdict: Sendable, Hashable {
        /// Send the request.
        case admitted
        /// Send the request; it is the half-open probe, so report its outcome with
        /// `isProbe: true`.
        case admittedAsProbe
        /// Do not send; try another deployment.
        case refused(HealthAvailability)
    }

    public struct AdmitDecision: Sendable, Hashable {
        public var verdict: AdmitVerdict
        /// A time-driven change the admission observed (open -> half_open, cooling_down -> closed).
        public var transition: HealthTransition?
    }

    public let deploymentID: String
    public let policy: HealthPolicy
    public private(set) var state: State = .closed
    private var window: OutcomeWindow

    public init(deploymentID: String, policy: HealthPolicy = HealthPolicy()) {
        self.deploymentID = deploymentID
        self.policy = policy
        self.window = OutcomeWindow(windowSeconds: policy.windowSeconds, buckets: policy.windowBuckets)
    }

    // MARK: Events

    /// Asks to send one request at `now`. In half-open exactly one caller gets
    /// `admittedAsProbe`; everyone else is refused until that probe is recorded (or its lease,
    /// `HealthPolicy.probeLeaseSeconds`, runs out).
    public mutating func admit(at now: Date) -> AdmitDecision {
        let start = state.name
        let reason = applyElapsedTime(at: now)
        let verdict: AdmitVerdict
        switch state {
        case .closed:
            verdict = .admitted
        case .halfOpen(let why, let backoff, nil):
            state = .halfOpen(reason: why, backoffOnFailure: backoff, probeStartedAt: now)
            verdict = .admittedAsProbe
        default:
            verdict = .refused(Self.availability(of: state))
        }
        return AdmitDecision(verdict: verdict, transition: transition(from: start, reason: reason, at: now))
    }

    /// Reports how an attempt ended at `now`. Pass `isProbe: true` only for the attempt that was
    /// `admittedAsProbe`. Other attempts finishing while half-open were admitted before the
    /// breaker opened and say nothing about recovery, so they are ignored.
    public mutating func record(outcome: UpstreamOutcome, at now: Date, isProbe: Bool = false) -> HealthTransition? {
        let start = state.name
        var reason = applyElapsedTime(at: now)
        if let changed = apply(outcome, at: now, isProbe: isProbe) { reason = changed }
        return transition(from: start, reason: reason, at: now)
    }

    /// An operator replaced the credential: a `credential_invalid` deployment closes at once.
    /// Other states are unaffected (a new credential does not cure a 5xx).
    public mutating func credentialReplaced(at now: Date) -> HealthTransition? {
        let start = state.name
        var reason = applyElapsedTime(at: now)
        if case .credentialInvalid = state {
            state = .closed
            window.reset()
            reason = .credentialReplaced
        }
        return transition(from: start, reason: reason, at: now)
    }

    /// Another replica was answered 429 by this deployment and cools it down until `until`
    /// (computed on this replica's clock from the remaining time it was told). A closed
    /// deployment cools down; one already cooling down keeps the later end; open, half-open
    /// and credential-invalid deployments keep their own state (their own evidence is stronger).
    public mutating func peerRateLimited(until: Date, at now: Date) -> HealthTransition? {
        let start = state.name
        var reason = applyElapsedTime(at: now)
        let end = min(until, now.addingTimeInterval(policy.maximumRateLimitCooldownSeconds))
        switch state {
        case .closed where end > now:
            state = .coolingDown(until: end)
            reason = .peerRateLimited
        case .coolingDown(let current) where end > current:
            state = .coolingDown(until: end)
        default:
            break
        }
        return transition(from: start, reason: reason, at: now)
    }

    /// Applies time-driven changes due by `now`, for a periodic ticker that wants events on
    /// time rather than at the next request.
    public mutating func advance(at now: Date) -> HealthTransition? {
        let start = state.name
        let reason = applyElapsedTime(at: now)
        return transition(from: start, reason: reason, at: now)
    }

    // MARK: Queries

    /// The state as of `now`, with elapsed cooldowns and backoffs applied (without mutating).
    public func effectiveState(at now: Date) -> State {
        Self.elapsed(state, at: now, policy: policy)?.state ?? state
    }

    public func availability(at now: Date) -> HealthAvailability {
        Self.availability(of: effectiveState(at: now))
    }

    /// Whether a request may be sent at `now` (closed, or half-open with the probe slot free).
    public func isAvailable(at now: Date) -> Bool { availability(at: now).isAvailable }

    public func snapshot(at now: Date) -> HealthSnapshot {
        let current = effectiveState(at: now)
        let counts = window.counts(at: now)
        var probeInFlight = false
        if case .halfOpen(_, _, .some) = current { probeInFlight = true }
        return HealthSnapshot(
            deploymentID: deploymentID, state: current.name, reason: current.reason, until: current.until,
            remainingCooldownSeconds: current.until.map { max(0, $0.timeIntervalSince(now)) } ?? 0,
            errorRate: counts.total == 0 ? 0 : Double(counts.failures) / Double(counts.total),
            requestsInWindow: counts.total, failuresInWindow: counts.failures, probeInFlight: probeInFlight)
    }

    // MARK: Rules

    private mutating func apply(_ outcome: UpstreamOutcome, at now: Date, isProbe: Bool) -> HealthReason? {
        if case .credentialRejected(let status) = outcome {
            // A refused credential is news whatever the state, except when already known.
            if case .credentialInvalid = state { return nil }
            state = .credentialInvalid(status: status, recheckAt: now.addingTimeInterval(policy.credentialRecheckSeconds))
            return .credentialInvalid
        }
        switch state {
        case .closed:
            if case .rateLimited(let retryAt) = outcome {
                return coolDown(retryAt: retryAt, at: now) ? .rateLimited : nil
            }
            countInWindow(outcome, at: now)
            guard outcome.isFailure, failureRatioReached(at: now) else { return nil }
            open(reason: .failureRatio, backoff: policy.openBackoffSeconds, at: now)
            return .failureRatio
        case .coolingDown(let until):
            // Late answers to requests sent before the 429; a later 429 can only lengthen it.
            if case .rateLimited(let retryAt) = outcome {
                let end = cooldownEnd(retryAt: retryAt, at: now)
                if end > until { state = .coolingDown(until: end) }
            } else {
                countInWindow(outcome, at: now)
            }
            return nil
        case .halfOpen(let why, let backoffOnFailure, _):
            guard isProbe else { return nil }
            switch outcome {
            case .cancelled:
                state = .halfOpen(reason: why, backoffOnFailure: backoffOnFailure, probeStartedAt: nil)
                return nil
            case .serverError, .timeout, .connectionError:
                open(reason: .probeFailed, backoff: backoffOnFailure, at: now)
                return .probeFailed
            case .credentialRejected:
                return nil  // Handled above, whatever the state.
            case .success, .requestError, .rateLimited:
                // Any coherent answer (even a 400 or a 429) shows the deployment is serving.
                window.reset()
                state = .closed
                if case .rateLimited(let retryAt) = outcome, coolDown(retryAt: retryAt, at: now) { return .rateLimited }
                return .probeSucceeded
            }
        case .open, .credentialInvalid:
            // Late answers to requests admitted before the breaker opened change nothing.
            return nil
        }
    }

    private mutating func countInWindow(_ outcome: UpstreamOutcome, at now: Date) {
        switch outcome {
        case .success: window.record(failed: false, at: now)
        case .serverError, .timeout, .connectionError: window.record(failed: true, at: now)
        case .requestError, .rateLimited, .credentialRejected, .cancelled: break
        }
    }

    private func failureRatioReached(at now: Date) -> Bool {
        let counts = window.counts(at: now)
        return counts.total >= policy.minimumRequests
            && Double(counts.failures) / Double(counts.total) >= policy.failureRatio
    }

    private mutating func open(reason: HealthReason, backoff: TimeInterval, at now: Date) {
        state = .open(reason: reason, until: now.addingTimeInterval(backoff), backoff: backoff)
    }

    /// Enters `coolingDown` unless the upstream's retry time has already passed.
    private mutating func coolDown(retryAt: Date?, at now: Date) -> Bool {
        let end = cooldownEnd(retryAt: retryAt, at: now)
        guard end > now else { return false }
        state = .coolingDown(until: end)
        return true
    }

    private func cooldownEnd(retryAt: Date?, at now: Date) -> Date {
        let requested = retryAt ?? now.addingTimeInterval(policy.defaultRateLimitCooldownSeconds)
        return min(requested, now.addingTimeInterval(policy.maximumRateLimitCooldownSeconds))
    }

    /// Applies a due time-driven change; returns its reason when the state changed.
    private mutating func applyElapsedTime(at now: Date) -> HealthReason? {
        guard let next = Self.elapsed(state, at: now, policy: policy) else { return nil }
        state = next.state
        return next.reason
    }

    private func transition(from start: HealthStateName, reason: HealthReason?, at now: Date) -> HealthTransition? {
        guard let reason, state.name != start else { return nil }
        var operatorEvent: OperatorEvent?
        if case .credentialInvalid(let status, _) = state { operatorEvent = .credentialRejected(status: status) }
        return HealthTransition(
            deploymentID: deploymentID, from: start, to: state.name, reason: reason, at: now, until: state.until,
            operatorEvent: operatorEvent)
    }
}
