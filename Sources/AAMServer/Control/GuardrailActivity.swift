import AAMControlProtocol
import AAMCore
import Foundation

/// Guardrail hits since the daemon started, for the console's Guardrails view: a total and a
/// per-minute series (last hour) per detector, scope and action, plus the most recent hits.
/// Pure: fed by finished call records (which carry every decision of the call, streamed ones
/// included, and the calling key's scope), read with an explicit `now`. Never sees text.
///
/// The scope of a hit is the most specific scope of the calling key (`project:…`, else
/// `team:…`, else `org:…`): the effective policy is merged along that chain.
struct GuardrailActivity: Sendable {
    struct CounterKey: Hashable, Sendable {
        var detector: String
        var scope: String
        var action: String
    }

    private struct Counter: Sendable {
        var total = 0
        /// Hits per minute index (`floor(seconds since 1970 / 60)`), the last hour only.
        var minutes: [Int64: Int] = [:]
    }

    static let minutes = 60
    let recentCapacity: Int
    private var counters: [CounterKey: Counter] = [:]
    private var recent: [GuardrailHitRow] = []

    init(recentCapacity: Int = 50) {
        self.recentCapacity = max(1, recentCapacity)
    }

    static func scope(of record: CallRecord) -> String {
        if let project = record.projectId { return "project:\(project)" }
        if let team = record.teamId { return "team:\(team)" }
        if let org = record.orgId { return "org:\(org)" }
        return "none"
    }

    static func minute(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 / 60).rounded(.down)) }

    mutating func record(_ call: CallRecord, finishedAt time: Date) {
        let scope = Self.scope(of: call)
        let minute = Self.minute(time)
        for decision in call.guardrails where decision.action != .allow {
            let key = CounterKey(detector: decision.detector.rawValue, scope: scope, action: decision.action.rawValue)
            var counter = counters[key] ?? Counter()
            counter.total += 1
            counter.minutes[minute, default: 0] += 1
            counter.minutes = counter.minutes.filter { $0.key > minute - Int64(Self.minutes) }
            counters[key] = counter
            recent.append(
                GuardrailHitRow(
                    time: time, requestId: call.requestId, detector: decision.detector.rawValue, direction: decision.direction.rawValue,
                    action: decision.action.rawValue, count: decision.count, scope: scope))
        }
        if recent.count > recentCapacity { recent.removeFirst(recent.count - recentCapacity) }
    }

    /// Counters sorted by detector, scope, action; `perMinute` has 60 entries, oldest first,
    /// the last being the minute containing `now`. Recent hits newest first.
    func summary(at now: Date) -> GuardrailSummary {
        let current = Self.minute(now)
        let first = current - Int64(Self.minutes) + 1
        let rows = counters.map { key, counter in
            GuardrailSummary.Counter(
                detector: key.detector, scope: key.scope, action: key.action, total: counter.total,
                perMinute: (first...current).map { counter.minutes[$0] ?? 0 })
        }
        .sorted { ($0.detector, $0.scope, $0.action) < ($1.detector, $1.scope, $1.action) }
        return GuardrailSummary(counters: rows, recent: recent.reversed())
    }
}
