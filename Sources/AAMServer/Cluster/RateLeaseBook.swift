import AAMCore
import Foundation
import Logging
import Synchronization

/// This replica's allowances of the cluster's RPM/TPM buckets (issue 14 item 3): units leased
/// in small batches from the one GCRA bucket per key in Postgres (`aam_rate_lease`), so the
/// request path admits from memory and the cluster as a whole admits no more than one bucket.
///
/// Sizing: about `horizonSeconds` of this replica's recent rate, at least two of its largest
/// recent charges, at most a twentieth of the limit (or one charge), so one replica never
/// sits on the cluster's burst; renewed when under half that, given back beyond twice that
/// and entirely after `idleSeconds` without traffic. A call the allowance cannot hold waits
/// for one renewal of its key (coalesced), then is admitted or refused with the bucket's own
/// retry time.
///
/// Near empty, batches strand units: a replica that leased ahead for calls that never came
/// holds units while another replica's calls are refused at the empty bucket (a loaded CI run
/// served 50 of a 60-unit bucket that way). So once the bucket's last known remainder is
/// under what every replica's batches could hold together (`scarce`), leases are taken one
/// call at a time and anything beyond the next call goes back at the next tick.
public actor RateLeaseBook {
    struct Track: Sendable {
        var limit: Int64
        var demand: Int64 = 0
        var burnPerSecond: Double = 0
        var lastActivity: Date
        var lastRenewal: Date = .distantPast
        /// What the cluster's bucket had left at this replica's last renewal (unknown: full).
        var bucketRemaining: Int64 = .max
        var inFlight: Task<RateDemandOutcome, Never>?
    }

    private struct Admitted: Sendable {
        var amounts: [RateLimitKey: Int64] = [:]
        var largest: [RateLimitKey: Int64] = [:]
        var limits: [RateLimitKey: Int64] = [:]
    }

    static let horizonSeconds = 2.0
    static let idleSeconds = 2.0
    static let demandDeadline: Duration = .seconds(5)
    /// How long one renewal may wait for the database before it counts as failed and the key
    /// degrades to its local share. The store's own operation timeout (15 s) is far too long
    /// here: with Postgres stopped, its pool waits out that timeout, and meanwhile a key whose
    /// allowance was spent refused every call (a CI run saw 30 s of refusals: two keys renewed
    /// one after the other, 15 s each). A healthy database answers a renewal in milliseconds.
    let renewalDeadline: Duration

    let store: any RateLeaseStore
    let governance: GovernanceState
    let clock: any WallClock
    let logger: Logger
    private var tracks: [RateLimitKey: Track] = [:]
    private nonisolated let admitted = Mutex(Admitted())
    private var lastTick: Date?

    /// Live replicas (at least 1): a degraded key's local share is its limit divided by them.
    let liveReplicas: @Sendable () -> Int

    public init(
        store: any RateLeaseStore, governance: GovernanceState, clock: any WallClock, logger: Logger,
        liveReplicas: @escaping @Sendable () -> Int = { 1 }, renewalDeadline: Duration = .seconds(3)
    ) {
        self.liveReplicas = liveReplicas
        self.renewalDeadline = renewalDeadline
        self.store = store
        self.governance = governance
        self.clock = clock
        self.logger = logger
    }

    public var heldCount: Int { tracks.count }

    /// Records what an admission charged to leased keys. Synchronous, no await.
    public nonisolated func noteAdmitted(_ charges: [RateCharge]) {
        admitted.withLock { state in
            for charge in charges {
                state.amounts[charge.key, default: 0] += max(charge.cost, 0)
                state.largest[charge.key] = max(state.largest[charge.key] ?? 0, charge.cost)
                state.limits[charge.key] = charge.limitPerMinute
            }
        }
    }

    /// A charge the allowance could not hold: renew that key now.
    public func demand(_ charge: RateCharge) async -> RateDemandOutcome {
        let now = clock.now()
        var track = tracks[charge.key] ?? Track(limit: charge.limitPerMinute, lastActivity: now)
        track.limit = charge.limitPerMinute
        track.lastActivity = now
        track.demand = max(track.demand, charge.cost)
        tracks[charge.key] = track
        return (try? await withDeadline(Self.demandDeadline) { await self.runRenewal(charge.key, urgent: true) }) ?? .unanswered
    }

    public func tick() async {
        let now = clock.now()
        let elapsed = Swift.max(lastTick.map { now.timeIntervalSince($0) } ?? 0.25, 0.05)
        lastTick = now
        let batch = admitted.withLock { state -> Admitted in
            defer { state = Admitted() }
            return state
        }
        for (key, limit) in batch.limits where tracks[key] == nil { tracks[key] = Track(limit: limit, lastActivity: now) }
        for key in Array(tracks.keys) {
            guard var track = tracks[key] else { continue }
            if let limit = batch.limits[key] { track.limit = limit }
            let amount = batch.amounts[key] ?? 0
            if amount > 0 { track.lastActivity = now }
            let weight = Swift.min(elapsed, 1.0)
            track.burnPerSecond = track.burnPerSecond * (1 - weight) + Double(amount) / elapsed * weight
            track.demand = Swift.max(Int64(Double(track.demand) * 0.97), batch.largest[key] ?? 0)
            tracks[key] = track
        }
        // Every key at once: one key's slow renewal must not hold up the others'.
        let due = tracks.keys.filter { tracks[$0]?.inFlight == nil }
        await withTaskGroup(of: Void.self) { group in
            for key in due { group.addTask { _ = await self.runRenewal(key, urgent: false) } }
        }
        // Forget keys idle long enough to have given everything back.
        tracks = tracks.filter { key, track in
            governance.rateAllowance(key) != 0 || now.timeIntervalSince(track.lastActivity) < 60
        }
    }

    private func runRenewal(_ key: RateLimitKey, urgent: Bool) async -> RateDemandOutcome {
        while let running = tracks[key]?.inFlight { _ = await running.value }
        guard tracks[key] != nil else { return .covered }
        let task = Task { await self.renew(key, urgent: urgent) }
        tracks[key]?.inFlight = task
        return await task.value
    }

    /// Whether a bucket with `remaining` units is scarce for `replicas` replicas: under twice
    /// what their batches (a twentieth of the limit each) could hold together.
    static func isScarce(remaining: Int64, limit: Int64, replicas: Int) -> Bool {
        let batch = Swift.max(limit / 20, 1)
        let (together, overflow) = batch.multipliedReportingOverflow(by: Int64(Swift.max(replicas, 1)) * 2)
        return remaining < (overflow ? .max : together)
    }

    /// (want, returning) for one key now, or nil when nothing is needed. A scarce bucket is
    /// leased one call at a time: an urgent renewal takes only what the waiting call needs and
    /// a tick takes nothing and gives back all but one call's worth.
    static func plan(
        allowance: Int64, limit: Int64, demand: Int64, burnPerSecond: Double, idle: Bool, urgent: Bool, scarce: Bool = false
    ) -> (want: Int64, returning: Int64)? {
        if idle && !urgent { return allowance > 0 ? (0, allowance) : nil }
        if scarce {
            // Urgent: one call's worth even if the allowance holds some (a call admitted
            // between the demand and this renewal may take it); the surplus goes back next tick.
            if urgent { return demand > 0 ? (demand, 0) : nil }
            return allowance > demand ? (0, allowance - demand) : nil
        }
        let byRate = Int64(Swift.min(burnPerSecond * horizonSeconds, Double(Int64.max / 4)))
        let target = Swift.min(Swift.max(2 * demand, byRate), Swift.max(limit / 20, demand))
        if urgent || allowance < target / 2 || allowance < demand {
            let want = Swift.max(target - allowance, urgent ? demand - allowance : 0)
            return want > 0 ? (want, 0) : nil
        }
        if allowance > 2 * target { return (0, allowance - target) }
        return nil
    }

    private func renew(_ key: RateLimitKey, urgent: Bool) async -> RateDemandOutcome {
        defer { tracks[key]?.inFlight = nil }
        guard let track = tracks[key] else { return .covered }
        let now = clock.now()
        let allowance = governance.rateAllowance(key)
        guard let plan = Self.plan(
            allowance: allowance, limit: track.limit, demand: track.demand, burnPerSecond: track.burnPerSecond,
            idle: now.timeIntervalSince(track.lastActivity) >= Self.idleSeconds, urgent: urgent,
            scarce: Self.isScarce(remaining: track.bucketRemaining, limit: track.limit, replicas: liveReplicas()))
        else { return .covered }
        // Units going back leave the allowance before the database hears of them.
        if plan.returning > 0 { governance.applyRateGrant(key, granted: -plan.returning, remaining: 0) }
        do {
            // A renewal cut off by the deadline may still be applied by the database: its grant
            // is then never used here and lapses with the lease (the cluster loses those units
            // for a while; it never admits more than its limit).
            guard let answer = try await withDeadline(renewalDeadline, { [store] in
                try await store.renewRateLease(key: key.description, limitPerMinute: track.limit, want: plan.want, returning: plan.returning)
            }) else { throw RenewalTimedOut(deadline: renewalDeadline) }
            governance.applyRateGrant(key, granted: answer.granted, remaining: answer.remaining)
            tracks[key]?.lastRenewal = clock.now()
            tracks[key]?.bucketRemaining = answer.remaining
            if governance.isRateLimitDegraded(key) {
                governance.degradeRateLimit(key, share: nil)
                logger.notice("rate lease renewed again; the limit is the cluster's once more", metadata: ["key": "\(key)"])
            }
            return .answered(answer)
        } catch {
            // Cut off from the database: limit locally at this replica's share rather than
            // refuse every call once the allowance held is spent.
            if !governance.isRateLimitDegraded(key) {
                let share = Int64(Swift.max(liveReplicas(), 1))
                governance.degradeRateLimit(key, share: share)
                logger.warning(
                    "rate lease renewal failed; limiting locally at 1/\(share) of the limit until the database answers",
                    metadata: ["key": "\(key)", "reason": "\(error)"])
            }
            return .unanswered
        }
    }
}

/// What a demand for more of a key's allowance came to.
public enum RateDemandOutcome: Sendable, Equatable {
    /// Nothing was asked: the allowance already holds the call (another call's renewal filled
    /// it meanwhile). Try the admission again.
    case covered
    /// The database answered (`granted` may be 0: the bucket is empty).
    case answered(RateLeaseAnswer)
    /// The database could not be asked in time.
    case unanswered
}

/// A rate lease renewal the database did not answer within `RateLeaseBook.renewalDeadline`.
struct RenewalTimedOut: Error, CustomStringConvertible {
    var deadline: Duration
    var description: String { "no answer from the database within \(deadline)" }
}
