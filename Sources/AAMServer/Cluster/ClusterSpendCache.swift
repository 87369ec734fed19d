import AAMCore
import Foundation
import Synchronization

/// The cluster's settled spend per budget window as Postgres holds it, for status displays:
/// the console's Spend and Agents views on any replica show the whole cluster's spend, not
/// only this replica's calls.
///
/// Read on demand, not on the request path: a display asks for what it shows, gets the last
/// figures at once, and a refresh older than `maxAge` starts in the background (one statement
/// for every window shown, bounded by a deadline). Each replica reports its settled spend on
/// its lease renewals, at least every `BudgetLeasePolicy.refreshSeconds` while it holds a
/// slice; this replica adds what it has not reported yet, so the figure shown is at most that
/// old for the others' calls.
final class ClusterSpendCache: Sendable {
    private struct WindowID: Hashable, Sendable {
        var key: BudgetKey
        var window: BudgetWindow
    }

    private struct State: Sendable {
        var settled: [WindowID: Spend] = [:]
        var refreshedAt: ContinuousClock.Instant?
        var refreshing = false
    }

    static let maxAge: Duration = .seconds(1)
    static let readDeadline: Duration = .seconds(3)

    private let state = Mutex(State())

    init() {}

    /// The window's settled total as last read (nil: never read, or no call has touched it anywhere).
    func settled(_ key: BudgetKey, _ window: BudgetWindow) -> Spend? {
        state.withLock { $0.settled[WindowID(key: key, window: window)] }
    }

    /// Starts a background read of `wanted` when the last one is older than `maxAge` and none
    /// is under way. Never waits.
    func refreshIfStale(_ wanted: [(BudgetKey, BudgetWindow)], store: any BudgetLeaseStore) {
        let start = state.withLock { state -> Bool in
            guard !state.refreshing, state.refreshedAt.map({ ContinuousClock.now - $0 >= Self.maxAge }) ?? true else { return false }
            state.refreshing = true
            return true
        }
        guard start else { return }
        Task { [self] in
            let read = (try? await withDeadline(Self.readDeadline) {
                try await store.budgetWindows(wanted.map { (key: $0.0.description, window: $0.1) })
            }) ?? nil
            state.withLock { state in
                for ((key, window), row) in zip(wanted, read ?? []) {
                    if let row { state.settled[WindowID(key: key, window: window)] = row.settled }
                }
                state.refreshedAt = .now
                state.refreshing = false
            }
        }
    }
}
