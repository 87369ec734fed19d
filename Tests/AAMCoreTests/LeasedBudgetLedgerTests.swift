import AAMCore
import Foundation
import Testing

/// `BudgetLedger` in leased mode: a window admits within this replica's slice, capped at once
/// by a lowered limit (before any renewal), and reports only what the database does not know.
@Suite struct LeasedBudgetLedgerTests {
    let now = Date(timeIntervalSince1970: 1_800_000_100)
    let scope = GovernanceScope(.org, "acme")

    func chain(limit: Int64) -> [ScopeBudgets] {
        [ScopeBudgets(scope: scope, budgets: [Budget(id: "daily", period: .daily, tokenLimit: limit)])]
    }

    @Test func admitsWithinTheSliceAndALoweredLimitCapsItAtOnce() {
        var ledger = BudgetLedger()
        ledger.enableLeases()
        guard case .rejected(let first) = ledger.reserve(requestId: "r0", chain: chain(limit: 2_000), estimate: Spend(tokens: 10), at: now) else {
            Issue.record("admitted without a slice")
            return
        }
        #expect(first.leaseExhausted)
        let key = BudgetKey(scope: scope, budgetId: "daily")
        ledger.applyLease(capacity: Spend(tokens: 1_000), reported: .zero, elsewhere: Spend(tokens: 500), key: key, window: first.window)
        guard case .reserved(let held) = ledger.reserve(requestId: "r1", chain: chain(limit: 2_000), estimate: Spend(tokens: 900), at: now) else {
            Issue.record("900 of a 1,000 slice refused")
            return
        }
        guard case .rejected(let over) = ledger.reserve(requestId: "r2", chain: chain(limit: 2_000), estimate: Spend(tokens: 200), at: now) else {
            Issue.record("the slice was overdrawn")
            return
        }
        #expect(over.leaseExhausted && over.dimension == .tokens)
        // The limit lowered to 1,450: 500 elsewhere leave 950, of which 900 are held.
        guard case .rejected = ledger.reserve(requestId: "r3", chain: chain(limit: 1_450), estimate: Spend(tokens: 60), at: now) else {
            Issue.record("a lowered limit did not cap the slice")
            return
        }
        guard case .reserved = ledger.reserve(requestId: "r4", chain: chain(limit: 1_450), estimate: Spend(tokens: 50), at: now) else {
            Issue.record("what the lowered limit still leaves was refused")
            return
        }
        // Settled 700 of the 900: the database has been told of none of it yet.
        _ = ledger.settle(held, actual: Spend(tokens: 700), at: now)
        let view = ledger.leaseView(key, window: first.window)
        #expect(view.slice.unreported(of: view.counter).tokens == 700)
        ledger.applyLease(capacity: Spend(tokens: 300), reported: Spend(tokens: 700), elsewhere: Spend(tokens: 1_200), key: key, window: first.window)
        let after = ledger.leaseView(key, window: first.window)
        #expect(after.slice.unreported(of: after.counter).tokens == 0, "reported spend is not reported again")
        #expect(after.slice.localUse(of: after.counter).tokens == 50, "only the call in flight holds the slice now")
    }
}
