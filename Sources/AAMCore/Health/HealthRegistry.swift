import Foundation
import Synchronization

/// The gateway's live view of every deployment: health machine, in-flight count and latency
/// average, keyed by deployment id.
///
/// Thread safe: one `Mutex` guards the map, every method holds it for a dictionary lookup and
/// a few arithmetic steps (O(1) in the number of deployments, except `advance`, `snapshots`
/// and `retain`, which walk the map), and nothing awaits, so it is safe on the request path and
/// never holds a lock across an `await`. The request-path calls allocate nothing beyond the
/// entry created the first time a deployment is `begin`-ed. Unknown deployments read as
/// closed, idle and unmeasured.
///
/// Request-path protocol: for each deployment of the `RoutePlan`, `begin` it; if refused, move
/// on; if admitted, call upstream and then `finish` the ticket exactly once, with the outcome
/// (`UpstreamOutcome.classify` for an HTTP answer). Publish any returned transition.
public final class HealthRegistry: Sendable {
    private struct Entry: Sendable {
        var health: DeploymentHealth
        var inFlight = 0
        var latency: LatencyEWMA

        mutating func finish(
            _ ticket: AttemptTicket, outcome: UpstreamOutcome, at now: Date, latency sample: Duration?
        ) -> HealthTransition? {
            inFlight = max(0, inFlight - 1)
            if outcome.informsLatency {
                latency.add(seconds: sample.map(Self.seconds) ?? now.timeIntervalSince(ticket.startedAt))
            }
            return health.record(outcome: outcome, at: now, isProbe: ticket.isProbe)
        }

        private static func seconds(_ duration: Duration) -> Double {
            Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
        }
    }

    public let policy: HealthPolicy
    public let latencySmoothing: Double
    private let entries = Mutex<[String: Entry]>([:])

    /// - Parameters:
    ///   - policy: applied to every deployment's health machine.
    ///   - latencySmoothing: weight of each latency sample in the average (see `LatencyEWMA`).
    public init(policy: HealthPolicy = HealthPolicy(), latencySmoothing: Double = 0.3) {
        self.policy = policy
        self.latencySmoothing = latencySmoothing
    }

    private func makeEntry(_ deploymentID: String) -> Entry {
        Entry(health: DeploymentHealth(deploymentID: deploymentID, policy: policy), latency: LatencyEWMA(smoothing: latencySmoothing))
    }

    // MARK: Request path

    /// Whether `deploymentID` takes a request at `now`. Advisory (another request may take the
    /// half-open probe first): `begin` is the authoritative admission.
    public func isAvailable(_ deploymentID: String, at now: Date) -> Bool {
        availability(deploymentID, at: now).isAvailable
    }

    public func availability(_ deploymentID: String, at now: Date) -> HealthAvailability {
        entries.withLock { $0[deploymentID]?.health.availability(at: now) } ?? .available
    }

    /// Availability, in-flight count and latency average in one lock acquisition (the routing
    /// strategies' input).
    public func load(_ deploymentID: String, at now: Date) -> DeploymentLoad {
        entries.withLock { entries in
            guard let entry = entries[deploymentID] else { return DeploymentLoad() }
            return DeploymentLoad(
                availability: entry.health.availability(at: now), inFlight: entry.inFlight, latencySeconds: entry.latency.seconds)
        }
    }

    /// Admits one attempt on `deploymentID` at `now` and counts it in flight; or refuses it.
    public func begin(_ deploymentID: String, at now: Date) -> AttemptAdmission {
        entries.withLock { entries in
            let decision = entries[deploymentID, default: makeEntry(deploymentID)].health.admit(at: now)
            switch decision.verdict {
            case .admitted, .admittedAsProbe:
                entries[deploymentID]?.inFlight += 1
                let isProbe = decision.verdict == .admittedAsProbe
                let ticket = AttemptTicket(deploymentID: deploymentID, isProbe: isProbe, startedAt: now)
                return .admitted(ticket, transition: decision.transition)
            case .refused(let availability):
                return .refused(availability)
            }
        }
    }

    /// Ends an admitted attempt: records its outcome, releases its in-flight slot and, for a
    /// success or timeout, adds its latency (`latency`, or the time since `begin` when `nil`;
    /// for streams pass the time to the first byte so both kinds compare). Returns the
    /// transition to publish, if the state changed.
    ///
    /// Call once per ticket. A ticket of a deployment removed by `retain` is ignored.
    public func finish(_ ticket: AttemptTicket, outcome: UpstreamOutcome, at now: Date, latency: Duration? = nil) -> HealthTransition? {
        entries.withLock { $0[ticket.deploymentID]?.finish(ticket, outcome: outcome, at: now, latency: latency) }
    }

    // MARK: Operator and background

    /// An operator replaced the credential behind `deploymentID` (call it for every deployment
    /// of the provider): a `credential_invalid` deployment closes at once.
    public func credentialReplaced(_ deploymentID: String, at now: Date) -> HealthTransition? {
        entries.withLock { $0[deploymentID]?.health.credentialReplaced(at: now) }
    }

    /// Another replica saw `deploymentID` answer 429: cool it down here too (see
    /// `DeploymentHealth.peerRateLimited`). Creates the entry if this replica never used it.
    public func peerRateLimited(_ deploymentID: String, until: Date, at now: Date) -> HealthTransition? {
        entries.withLock { entries in
            var entry = entries[deploymentID] ?? makeEntry(deploymentID)
            let transition = entry.health.peerRateLimited(until: until, at: now)
            entries[deploymentID] = entry
            return transition
        }
    }

    /// Applies every time-driven change due by `now` (ended cooldowns and backoffs), for a
    /// once-a-second ticker that publishes them on time. O(deployments).
    public func advance(at now: Date) -> [HealthTransition] {
        entries.withLock { entries in
            var transitions: [HealthTransition] = []
            for id in entries.keys {
                if let transition = entries[id]?.health.advance(at: now) { transitions.append(transition) }
            }
            return transitions.sorted { $0.deploymentID < $1.deploymentID }
        }
    }

    /// The health view of one deployment (`GET /admin/providers`, the console).
    public func snapshot(_ deploymentID: String, at now: Date) -> HealthSnapshot {
        entries.withLock { entries in
            guard let entry = entries[deploymentID] else {
                return makeEntry(deploymentID).health.snapshot(at: now)
            }
            return Self.snapshot(entry, at: now)
        }
    }

    /// The health view of every deployment seen so far, sorted by id.
    public func snapshots(at now: Date) -> [HealthSnapshot] {
        entries.withLock { entries in
            entries.values.map { Self.snapshot($0, at: now) }.sorted { $0.deploymentID < $1.deploymentID }
        }
    }

    private static func snapshot(_ entry: Entry, at now: Date) -> HealthSnapshot {
        var snapshot = entry.health.snapshot(at: now)
        snapshot.inFlight = entry.inFlight
        snapshot.latencyMilliseconds = entry.latency.seconds.map { $0 * 1000 }
        return snapshot
    }

    /// Forgets deployments not in `deploymentIDs` (call after a configuration change), so the
    /// map does not grow with deleted deployments.
    public func retain(only deploymentIDs: Set<String>) {
        entries.withLock { entries in
            for id in entries.keys where !deploymentIDs.contains(id) { entries.removeValue(forKey: id) }
        }
    }
}

/// Proof that an attempt was admitted; hand it back to `HealthRegistry.finish` exactly once.
public struct AttemptTicket: Sendable, Hashable {
    public let deploymentID: String
    /// The attempt is the half-open probe: its outcome decides whether the breaker closes.
    public let isProbe: Bool
    public let startedAt: Date
}

/// The answer of `HealthRegistry.begin`.
public enum AttemptAdmission: Sendable, Hashable {
    /// Send the request, then `finish(ticket, …)`; publish `transition` if present.
    case admitted(AttemptTicket, transition: HealthTransition?)
    /// Do not send; the deployment is unavailable for this reason. Nothing to finish.
    case refused(HealthAvailability)
}

/// What the routing strategies know about one deployment at one instant.
public struct DeploymentLoad: Sendable, Hashable {
    public var availability: HealthAvailability
    /// Attempts begun and not finished.
    public var inFlight: Int
    /// Latency average, `nil` until the first sample.
    public var latencySeconds: Double?

    public init(availability: HealthAvailability = .available, inFlight: Int = 0, latencySeconds: Double? = nil) {
        self.availability = availability
        self.inFlight = inFlight
        self.latencySeconds = latencySeconds
    }
}
