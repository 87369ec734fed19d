import AAMControlProtocol
import AAMCore
import Foundation

/// AgentPolicy decisions since the daemon started, per workload identity: how many were
/// allowed and denied, and the latest one (for the console's Agents view). Pure value, fed
/// decision by decision; bounded by the number of identities that made calls.
struct PolicyActivity: Sendable {
    struct Counts: Sendable, Equatable {
        var allowed = 0
        var denied = 0
        var last: PolicyDecisionRow?
    }

    private(set) var byIdentity: [String: Counts] = [:]
    /// The most recent decisions, newest first (at most `recentKept`).
    private(set) var recent: [PolicyDecisionRow] = []
    static let recentKept = 100

    mutating func record(_ row: PolicyDecisionRow) {
        var counts = byIdentity[row.spiffeId] ?? Counts()
        if row.decision == "allow" { counts.allowed += 1 } else { counts.denied += 1 }
        // Decisions can be published out of order by concurrent calls: keep the latest by time.
        if counts.last.map({ $0.time <= row.time }) ?? true { counts.last = row }
        byIdentity[row.spiffeId] = counts
        recent.insert(row, at: 0)
        if recent.count > Self.recentKept { recent.removeLast() }
    }

    func counts(of identity: String) -> Counts { byIdentity[identity] ?? Counts() }
}
