import AAMCore
import Foundation
import Synchronization

/// The cluster's budget windows as Postgres holds them (settled total and the slices leased),
/// for status displays: the console's Spend and Agents views on any replica show the whole
/// cluster's spend, not only this replica's calls.
///
/// Read on demand, not on the request path: a display asks for what it shows, gets the last
/// figures at once, and a refresh older than `maxAge` starts in the background (bounded by a
/// deadline). Each replica reports its settled spend on its lease renewals, at least every
/// `BudgetLeasePolicy.refreshSeconds` while it holds a slice; this replica adds what it has
/// not reported yet, so the figure shown is at most that old for the others' calls.
final class ClusterSpendCache: Sendable {
    struct Window: Sendable, Hashable {
        var settled: Spend
        var leased: Spend
    }

    private struct WindowID: Hashable, Sendable {
        var key: BudgetKey
        var window: BudgetWindow
    }

    private struct State: Sendable {
        var windows: [WindowID: Window] = [:]
        var refreshedAt: ContinuousClock.Instant?
        var refreshing = false
    }

    static let maxAge: Duration = .seconds(1)
    static let readDeadline: Duration = .seconds(3)

    private let state = Mutex(State())

    init() {}

    /// The window as last read (nil: never read, or no call has touched it anywhere).
    func window(_ key: BudgetKey, _ window: BudgetWindow) -> Window? {
        state.withLock { $0.windows[WindowID(key: key, window: window)] }
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
            var read: [WindowID: Window] = [:]
            _ = try? await withDeadline(Self.readDeadline) {
                var found: [WindowID: Window] = [:]
                for (key, window) in wanted {
                    if let row = try await store.budgetWindow(key: key.description, window: window) {
                        found[WindowID(key: key, window: window)] = Window(settled: row.settled, leased: row.leased)
                    }
                }
                return found
            }.map { read = $0 }
            state.withLock { state in
                state.windows.merge(read) { _, new in new }
                state.refreshedAt = .now
                state.refreshing = false
            }
        }
    }
}
