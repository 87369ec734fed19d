import AAMCore
import Foundation

/// Spend and tokens per scope from finished calls, for the Spend view: today's totals (UTC day,
/// since the daemon started) and the burn rate (spend over the last hour, i.e. USD per hour).
/// Pure: fed by call records, read with an explicit `now`. Budget bars come from the governance
/// ledger instead (persisted, replayed at start); this is the live trend.
struct SpendActivity: Sendable {
    struct Totals: Sendable, Equatable {
        var usd: Money = .zero
        var tokens = 0
    }

    private struct Scope: Sendable {
        var day: Int64 = .min
        var today = Totals()
        /// Per minute index, the last hour only.
        var minutes: [Int64: Money] = [:]
        /// The minute older buckets were last dropped (once per minute, not once per call).
        var prunedAt: Int64 = .min
    }

    private var scopes: [GovernanceScope: Scope] = [:]

    static func day(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 / 86_400).rounded(.down)) }

    /// The scopes a call spends against: its org, team, project and key.
    static func chain(of call: CallRecord) -> [GovernanceScope] {
        var chain: [GovernanceScope] = []
        if let org = call.orgId { chain.append(GovernanceScope(.org, org)) }
        if let team = call.teamId { chain.append(GovernanceScope(.team, team)) }
        if let project = call.projectId { chain.append(GovernanceScope(.project, project)) }
        if let key = call.keyId { chain.append(GovernanceScope(.key, key)) }
        return chain
    }

    mutating func record(_ call: CallRecord, finishedAt time: Date) {
        let cost = call.costUSD.flatMap { try? Money(parsing: $0) } ?? .zero
        let tokens = TokenUsage.sum(call.promptTokens, call.completionTokens)
        guard cost > .zero || tokens > 0 else { return }
        let day = Self.day(time)
        let minute = GuardrailActivity.minute(time)
        for scope in Self.chain(of: call) {
            var entry = scopes[scope] ?? Scope()
            if entry.day != day {
                entry.day = day
                entry.today = Totals()
            }
            entry.today.usd = entry.today.usd.saturatingAdding(cost)
            entry.today.tokens = entry.today.tokens.addingReportingOverflow(tokens).overflow ? .max : entry.today.tokens + tokens
            entry.minutes[minute, default: .zero] = entry.minutes[minute, default: .zero].saturatingAdding(cost)
            if entry.prunedAt != minute {
                entry.minutes = entry.minutes.filter { $0.key > minute - 60 }
                entry.prunedAt = minute
            }
            scopes[scope] = entry
        }
    }

    /// Today's totals for `scope` (zero on a new day or when it has not spent).
    func today(_ scope: GovernanceScope, at now: Date) -> Totals {
        guard let entry = scopes[scope], entry.day == Self.day(now) else { return Totals() }
        return entry.today
    }

    /// Spend in the 60 minutes ending with the one containing `now`, as USD per hour.
    func burnRate(_ scope: GovernanceScope, at now: Date) -> Money {
        guard let entry = scopes[scope] else { return .zero }
        let current = GuardrailActivity.minute(now)
        return entry.minutes.reduce(Money.zero) { total, bucket in
            bucket.key > current - 60 && bucket.key <= current ? total.saturatingAdding(bucket.value) : total
        }
    }
}
