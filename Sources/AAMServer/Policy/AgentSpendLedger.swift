import AAMCore
import Foundation
import Synchronization

/// Each workload identity's spend during the current UTC day, for `budget.daily_usd` of its
/// AgentPolicy: fed by settled call costs, read before each model call. In memory (the decision
/// path never reads the database); a new UTC day starts every identity at zero.
final class AgentSpendLedger: Sendable {
    private struct Entry {
        var day: Int
        var spent: Money
    }

    private let entries = Mutex<[String: Entry]>([:])

    init() {}

    /// The UTC day number of `date` (days since 1970-01-01).
    static func day(of date: Date) -> Int { Int((date.timeIntervalSince1970 / 86_400).rounded(.down)) }

    /// What `identity` has spent during the UTC day of `now` (zero when nothing is known).
    func today(_ identity: String, at now: Date) -> Money {
        let day = Self.day(of: now)
        return entries.withLock { all in
            guard let entry = all[identity], entry.day == day else { return .zero }
            return entry.spent
        }
    }

    /// Adds a settled call's cost, counted on the UTC day the call started.
    func add(_ cost: Money, for identity: String, startedAt: Date, now: Date) {
        let day = Self.day(of: startedAt)
        // A call that started on a day already over is not counted against the new one.
        guard day == Self.day(of: now) else { return }
        entries.withLock { all in
            if let entry = all[identity], entry.day == day {
                all[identity] = Entry(day: day, spent: entry.spent.saturatingAdding(cost))
            } else {
                all[identity] = Entry(day: day, spent: cost)
            }
        }
    }

    /// Rebuilds today's spend from the stored call records at start (the ledger is in memory):
    /// every workload call of the current UTC day that has a cost counts again.
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
