import Foundation

/// Each workload identity's spend for the current UTC day, for `budget.daily_usd`: the settled
/// cost of finished calls plus the estimates held by calls in flight. A plain value driven by
/// explicit times (no I/O, no locks, no clock); the server wraps it in a mutex.
///
/// Lifecycle of a call, as with governance budgets (`BudgetLedger`):
/// - `admit` decides with `settled + held` and, when the decision allows the call, holds its
///   estimate in the same step, so N calls deciding at once cannot all see the same room: of
///   calls each estimated at E against a budget B, at most ⌊(B − spent) / E⌋ are admitted.
/// - `settle` replaces the hold with the real cost exactly once (a second settle, or a settle
///   of a released hold, changes nothing); `release` drops a hold when the call ended without a
///   cost. When the real cost exceeds its estimate (no `max_tokens`), the day may pass the
///   budget by that difference; the next call is then refused.
/// - A call is charged to the UTC day it was admitted on; one settled after midnight no longer
///   counts (that day is over), and the new day starts every identity at zero.
/// Times passed in should come from one clock and not go backwards.
public struct AgentBudgetLedger: Sendable {
    /// What an admitted call holds until it ends; hand it back to `settle` or `release`.
    public struct Hold: Sendable, Hashable {
        public let requestId: String
        public let identity: String
        /// The UTC day number the hold counts on (`AgentBudgetLedger.day(of:)`).
        public let day: Int
        public let amount: Money
    }

    /// One identity's day: settled spend and the estimates held by calls in flight.
    public struct DaySpend: Sendable, Hashable {
        public var settled: Money
        public var held: Money

        public init(settled: Money = .zero, held: Money = .zero) {
            self.settled = settled
            self.held = held
        }

        /// What a decision is checked against.
        public var committed: Money { settled.saturatingAdding(held) }
    }

    private struct Entry: Sendable {
        var day: Int
        var spend: DaySpend
    }

    private var entries: [String: Entry] = [:]
    private var holds: [String: Hold] = [:]

    public init() {}

    /// The UTC day number of `date` (days since 1970-01-01).
    public static func day(of date: Date) -> Int { Int((date.timeIntervalSince1970 / 86_400).rounded(.down)) }

    /// `identity`'s spend during the UTC day of `now` (zero when nothing is known).
    public func spend(of identity: String, at now: Date) -> DaySpend {
        guard let entry = entries[identity], entry.day == Self.day(of: now) else { return DaySpend() }
        return entry.spend
    }

    /// Calls admitted and not yet settled or released.
    public var outstandingCount: Int { holds.count }

    /// Decides a model call with the identity's committed spend today and, when `decide`
    /// allows it, holds `estimate` for it in the same step.
    ///
    /// - Parameter decide: the policy decision given the spend so far (pure: it runs once).
    /// - Returns: the decision, and the hold when the call was allowed (nil when denied).
    public mutating func admit(
        requestId: String, identity: String, estimate: Money, at now: Date, decide: (SpendSoFar) -> Decision
    ) -> (decision: Decision, hold: Hold?) {
        let amount = max(estimate, .zero)
        let decision = decide(SpendSoFar(today: spend(of: identity, at: now).committed, estimate: amount))
        guard decision.isAllowed else { return (decision, nil) }
        return (decision, reserve(requestId: requestId, identity: identity, amount: amount, at: now))
    }

    /// Holds `amount` for `requestId` on the day of `now`, without a decision. Holding a request
    /// id that is still outstanding returns its existing hold unchanged.
    public mutating func reserve(requestId: String, identity: String, amount: Money, at now: Date) -> Hold {
        if let existing = holds[requestId] { return existing }
        let day = Self.day(of: now)
        var entry = current(identity, day: day)
        entry.spend.held = entry.spend.held.saturatingAdding(max(amount, .zero))
        entries[identity] = entry
        let hold = Hold(requestId: requestId, identity: identity, day: day, amount: max(amount, .zero))
        holds[requestId] = hold
        return hold
    }

    /// Replaces `hold` with the call's real cost. Returns false, changing nothing, when the hold
    /// is no longer outstanding (settled or released before).
    @discardableResult
    public mutating func settle(_ hold: Hold, actual: Money) -> Bool {
        guard holds.removeValue(forKey: hold.requestId) != nil else { return false }
        // A day that is over (the identity has moved on) is not charged any more.
        guard var entry = entries[hold.identity], entry.day == hold.day else { return true }
        entry.spend.held = max(entry.spend.held.saturatingSubtracting(hold.amount), .zero)
        entry.spend.settled = entry.spend.settled.saturatingAdding(max(actual, .zero))
        entries[hold.identity] = entry
        return true
    }

    /// Drops `hold` without charging anything: the call ended before it cost anything.
    @discardableResult
    public mutating func release(_ hold: Hold) -> Bool { settle(hold, actual: .zero) }

    /// Counts a cost settled without a hold: a call record replayed at start (the ledger lives
    /// in memory), or spend known from elsewhere. A call that started on a day already over at
    /// `now` is not counted.
    public mutating func addSettled(_ cost: Money, for identity: String, startedAt: Date, at now: Date) {
        let day = Self.day(of: startedAt)
        guard day == Self.day(of: now) else { return }
        var entry = current(identity, day: day)
        entry.spend.settled = entry.spend.settled.saturatingAdding(max(cost, .zero))
        entries[identity] = entry
    }

    /// `identity`'s entry for `day`, starting afresh when its last entry is of another day.
    private func current(_ identity: String, day: Int) -> Entry {
        guard let entry = entries[identity], entry.day == day else { return Entry(day: day, spend: DaySpend()) }
        return entry
    }
}
