import AAMCore
import Foundation
import Logging
import Synchronization

/// This replica's budget slices (issue 14 item 2): which windows it holds a slice of, how fast
/// it spends on each, and the renewals that keep each slice the right size
/// (`BudgetLeasePlanner` decides; `aam_budget_lease` applies, atomically).
///
/// The request path never waits on the database while its slice suffices: admission is the
/// ledger's in-memory check against the slice. Only a call the slice cannot hold waits, for
/// one renewal of that window (coalesced with any already under way, bounded by
/// `demandDeadline`), and is refused with `budget_exceeded` if the budget has nothing left.
/// Renewals of every window otherwise run in the background (`tick`, every `tickInterval`).
public actor BudgetLeaseBook {
    struct WindowID: Hashable, Sendable {
        var key: BudgetKey
        var window: BudgetWindow
    }

    struct Track: Sendable {
        var budget: Budget
        var sequence: Int64 = 0
        var demand: Spend = .zero
        var burnPerSecond: Spend = .zero
        var lastActivity: Date
        var lastRenewal: Date = .distantPast
        /// A renewal whose answer never came: resent as is (same sequence) before anything else.
        var unanswered: BudgetLeaseRequest?
        var inFlight: Task<Void, Never>?
    }

    /// Spend admitted per window since the last tick, written on the request path (one short lock).
    private struct Admitted: Sendable {
        var amounts: [WindowID: Spend] = [:]
        var largest: [WindowID: Spend] = [:]
        var budgets: [WindowID: Budget] = [:]
    }

    public static let tickInterval: Duration = .milliseconds(250)
    static let demandDeadline: Duration = .seconds(5)

    let store: any BudgetLeaseStore
    let governance: GovernanceState
    let replica: String
    let clock: any WallClock
    let policy: BudgetLeasePolicy
    let logger: Logger
    /// The budget a key names in the configuration now (nil: gone). Read each tick, so a limit
    /// lowered anywhere in the cluster makes every replica give back its free slice within a
    /// tick of the change reaching it.
    let currentBudget: @Sendable (BudgetKey) -> Budget?
    private var tracks: [WindowID: Track] = [:]
    private nonisolated let admitted = Mutex(Admitted())
    private var lastTick: Date?

    public init(
        store: any BudgetLeaseStore, governance: GovernanceState, replica: String, clock: any WallClock,
        policy: BudgetLeasePolicy = BudgetLeasePolicy(), logger: Logger, currentBudget: @escaping @Sendable (BudgetKey) -> Budget? = { _ in nil }
    ) {
        self.currentBudget = currentBudget
        self.store = store
        self.governance = governance
        self.replica = replica
        self.clock = clock
        self.policy = policy
        self.logger = logger
    }

    /// Number of windows holding a slice (the replica registry shows it).
    public var heldCount: Int { tracks.count }

    // MARK: Request path

    /// Records an admission's holds (burn rate and largest call per window). Synchronous, no await.
    public nonisolated func noteAdmitted(_ reservation: Reservation) {
        guard !reservation.holds.isEmpty else { return }
        admitted.withLock { state in
            for hold in reservation.holds where hold.budget.usdLimit != nil || hold.budget.tokenLimit != nil {
                let id = WindowID(key: hold.key, window: hold.window)
                state.amounts[id] = (state.amounts[id] ?? .zero).adding(hold.amount)
                state.largest[id] = Self.max(state.largest[id] ?? .zero, hold.amount)
                state.budgets[id] = hold.budget
            }
        }
    }

    /// A call the slice of `rejection`'s window could not hold: renew that window now (or join
    /// the renewal under way) so the caller can try admission again. Returns false when the
    /// renewal could not be made in time (the database is unreachable or slow).
    public func demand(_ rejection: BudgetRejection, budget: Budget, estimate: Spend) async -> Bool {
        let id = WindowID(key: rejection.key, window: rejection.window)
        let now = clock.now()
        var track = tracks[id] ?? Track(budget: budget, lastActivity: now)
        track.budget = budget
        track.lastActivity = now
        track.demand = Self.max(track.demand, estimate)
        tracks[id] = track
        let before = tracks[id]?.lastRenewal
        let finished = (try? await withDeadline(Self.demandDeadline) { await self.runRenewal(id, urgent: true); return true }) ?? nil ?? false
        return finished && tracks[id]?.lastRenewal != before
    }

    // MARK: Background

    /// Folds the admissions since the last tick into each window's rate, renews what needs it,
    /// and forgets windows that ended or went idle with nothing held.
    public func tick() async {
        let now = clock.now()
        let elapsed = Swift.max(lastTick.map { now.timeIntervalSince($0) } ?? 0.25, 0.05)
        lastTick = now
        let batch = admitted.withLock { state -> Admitted in
            defer { state = Admitted() }
            return state
        }
        for (id, budget) in batch.budgets where tracks[id] == nil { tracks[id] = Track(budget: budget, lastActivity: now) }
        var lowered: Set<WindowID> = []
        for id in Array(tracks.keys) {
            guard var track = tracks[id] else { continue }
            if let budget = batch.budgets[id] { track.budget = budget }
            if let configured = currentBudget(id.key) {
                if Self.isLower(configured, than: track.budget) { lowered.insert(id) }
                track.budget = configured
            }
            let amount = batch.amounts[id] ?? .zero
            if amount != .zero { track.lastActivity = now }
            // Rate: smoothed over about a second; demand: the largest recent call, decaying.
            let weight = Swift.min(elapsed, 1.0)
            track.burnPerSecond = Self.blend(track.burnPerSecond, toward: Self.scale(amount, by: 1 / elapsed), weight: weight)
            track.demand = Self.max(Self.scale(track.demand, by: 0.97), batch.largest[id] ?? .zero)
            tracks[id] = track
        }
        for id in Array(tracks.keys) where tracks[id]?.inFlight == nil {
            await runRenewal(id, urgent: false, releaseAll: lowered.contains(id))
        }
        governance.pruneLeases(endedBefore: now)
        tracks = tracks.filter { id, track in
            id.window.end > now && !(track.lastRenewal == .distantPast && now.timeIntervalSince(track.lastActivity) > policy.idleReleaseSeconds)
        }
    }

    /// Renewals of one window run one at a time, in sequence order: two in flight could reach
    /// the database out of order, and the later number would make it answer the earlier as a
    /// replay without applying it.
    private func runRenewal(_ id: WindowID, urgent: Bool, releaseAll: Bool = false) async {
        while let running = tracks[id]?.inFlight { await running.value }
        guard tracks[id] != nil else { return }
        let task = Task { await self.renew(id, urgent: urgent, releaseAll: releaseAll) }
        tracks[id]?.inFlight = task
        await task.value
    }

    /// One renewal of one window if the planner asks for it (always when `urgent`).
    /// `releaseAll`: the limit was lowered, so everything free goes back now (planned as idle).
    private func renew(_ id: WindowID, urgent: Bool, releaseAll: Bool = false) async {
        defer { tracks[id]?.inFlight = nil }
        guard var track = tracks[id] else { return }
        let now = clock.now()
        if let unanswered = track.unanswered {
            // The last renewal's outcome is unknown: repeat it exactly before planning anew.
            guard await send(unanswered, for: id) else { return }
            track = tracks[id] ?? track
        }
        let view = governance.leaseView(id.key, window: id.window)
        let measured = BudgetLeasePlanner.Measurements(
            demand: track.demand, burnPerSecond: track.burnPerSecond,
            idleSeconds: releaseAll ? .infinity : now.timeIntervalSince(track.lastActivity),
            sinceRenewalSeconds: now.timeIntervalSince(track.lastRenewal))
        guard let plan = BudgetLeasePlanner.plan(budget: track.budget, counter: view.counter, slice: view.slice, measured: measured, policy: policy, urgent: urgent)
        else { return }
        track.sequence += 1
        tracks[id] = track
        governance.withholdRelease(plan.release, key: id.key, window: id.window)
        let request = BudgetLeaseRequest(
            key: id.key.description, window: id.window, replica: replica, sequence: track.sequence, plan: plan, limitUSD: track.budget.usdLimit,
            limitTokens: track.budget.tokenLimit, ttlSeconds: policy.ttlSeconds)
        _ = await send(request, for: id)
    }

    /// Sends one renewal and applies its answer; on failure keeps it to be repeated.
    private func send(_ request: BudgetLeaseRequest, for id: WindowID) async -> Bool {
        do {
            let answer = try await store.renewBudgetLease(request)
            governance.applyLease(
                capacity: answer.lease, reported: request.plan.report, elsewhere: answer.settled.adding(answer.others), key: id.key, window: id.window)
            tracks[id]?.unanswered = nil
            tracks[id]?.lastRenewal = clock.now()
            if answer.lost {
                logger.warning("a budget slice was charged in full while this replica was cut off", metadata: ["budget": "\(request.key)"])
            }
            return true
        } catch {
            tracks[id]?.unanswered = request
            logger.warning("budget lease renewal failed; serving within the slice held", metadata: ["budget": "\(request.key)", "reason": "\(error)"])
            return false
        }
    }

    /// Whether `new` limits either dimension more tightly than `old` (or newly).
    static func isLower(_ new: Budget, than old: Budget) -> Bool {
        func lower<T: Comparable>(_ a: T?, _ b: T?) -> Bool {
            guard let a else { return false }
            guard let b else { return true }
            return a < b
        }
        return lower(new.usdLimit, old.usdLimit) || lower(new.tokenLimit, old.tokenLimit)
    }

    // MARK: Arithmetic on spends

    static func max(_ a: Spend, _ b: Spend) -> Spend { Spend(usd: Swift.max(a.usd, b.usd), tokens: Swift.max(a.tokens, b.tokens)) }

    static func scale(_ spend: Spend, by factor: Double) -> Spend {
        func clamp(_ value: Double) -> Int64 { value.isFinite ? Int64(Swift.min(Swift.max(value, 0), Double(Int64.max / 4))) : 0 }
        return Spend(usd: Money(nanos: clamp(Double(spend.usd.nanos) * factor)), tokens: clamp(Double(spend.tokens) * factor))
    }

    static func blend(_ current: Spend, toward sample: Spend, weight: Double) -> Spend {
        scale(current, by: 1 - weight).adding(scale(sample, by: weight))
    }
}
