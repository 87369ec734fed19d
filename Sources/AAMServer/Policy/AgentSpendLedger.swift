import AAMCore
import Foundation
import Synchronization

/// The server's holder of `AgentBudgetLedger`: each workload identity's spend during the current
/// UTC day (settled plus held by calls in flight), for `budget.daily_usd` of its AgentPolicy.
/// In memory (the decision path never reads the database), behind one mutex that is never held
/// across an `await`: each operation is a few dictionary updates (and, for `admit`, one
/// in-memory policy decision).
final class AgentSpendLedger: Sendable {
    private let ledger = Mutex(AgentBudgetLedger())

    init() {}

    /// The UTC day number of `date` (days since 1970-01-01).
    static func day(of date: Date) -> Int { AgentBudgetLedger.day(of: date) }

    /// What `identity` has spent (settled) during the UTC day of `now`.
    func today(_ identity: String, at now: Date) -> Money {
        ledger.withLock { $0.spend(of: identity, at: now).settled }
    }

    /// Settled plus held by calls in flight: what the next decision is checked against.
    func committed(_ identity: String, at now: Date) -> Money {
        ledger.withLock { $0.spend(of: identity, at: now).committed }
    }

    /// Calls admitted and not yet settled or released.
    var outstandingCount: Int { ledger.withLock { $0.outstandingCount } }

    /// Decides and, when allowed, holds `estimate` atomically (`AgentBudgetLedger.admit`).
    func admit(
        requestId: String, identity: String, estimate: Money, at now: Date, decide: (SpendSoFar) -> Decision
    ) -> (decision: Decision, hold: AgentBudgetLedger.Hold?) {
        ledger.withLock { $0.admit(requestId: requestId, identity: identity, estimate: estimate, at: now, decide: decide) }
    }

    /// Replaces a hold with the real cost, once.
    func settle(_ hold: AgentBudgetLedger.Hold, actual: Money) {
        ledger.withLock { _ = $0.settle(hold, actual: actual) }
    }

    /// Drops a hold whose call ended without a cost.
    func release(_ hold: AgentBudgetLedger.Hold) {
        ledger.withLock { _ = $0.release(hold) }
    }

    /// Adds a settled cost without a hold, counted on the UTC day the call started.
    func add(_ cost: Money, for identity: String, startedAt: Date, now: Date) {
        ledger.withLock { $0.addSettled(cost, for: identity, startedAt: startedAt, at: now) }
    }

    /// Rebuilds today's spend from the stored call records at start (the ledger is in memory):
    /// every workload call of the current UTC day that has a cost counts again. Run once, before
    /// traffic.
    /// - Returns: the number of records counted.
    @discardableResult
    func replay(from calls: any CallRecordStore, now: Date) async throws -> Int {
        let dayStart = Date(timeIntervalSince1970: Double(Self.day(of: now)) * 86_400)
        var counted = 0
        for record in try await calls.calls(since: dayStart) {
            guard let identity = record.policy?.spiffeId, let text = record.costUSD, let cost = try? Money(parsing: text) else { continue }
            add(cost, for: identity, startedAt: record.startedAt, now: now)
            counted += 1
        }
        return counted
    }
}
