import AAMCore
import Foundation
import Testing

/// `BudgetLeasePlanner`: when a replica renews its slice of a budget window, and by how much.
@Suite struct BudgetLeasePlannerTests {
    let window = BudgetWindow(start: Date(timeIntervalSince1970: 0), end: Date(timeIntervalSince1970: 86_400))
    let tokens = Budget(id: "daily", period: .daily, tokenLimit: 10_000)

    func measured(demand: Int64 = 100, burn: Int64 = 0, idle: Double = 0, sinceRenewal: Double = 0) -> BudgetLeasePlanner.Measurements {
        .init(demand: Spend(tokens: demand), burnPerSecond: Spend(tokens: burn), idleSeconds: idle, sinceRenewalSeconds: sinceRenewal)
    }

    @Test func anEmptySliceGrowsToTwoCallsOrTwoSecondsOfSpend() {
        let counter = BudgetCounter(window: window)
        let plan = BudgetLeasePlanner.plan(budget: tokens, counter: counter, slice: BudgetSlice(), measured: measured(demand: 100, burn: 30))
        #expect(plan?.grow.tokens == 200, "two calls of 100 beat 2 s of 30/s")
        let busy = BudgetLeasePlanner.plan(budget: tokens, counter: counter, slice: BudgetSlice(), measured: measured(demand: 100, burn: 500))
        #expect(busy?.grow.tokens == 1000, "2 s of 500/s")
        #expect(plan?.grow.usd == .zero && plan?.release == .zero, "an unlimited dimension is never asked for")
    }

    @Test func aSliceWithEnoughFreeIsLeftAloneUntilItsRefresh() {
        let counter = BudgetCounter(window: window, settled: Spend(tokens: 50), reserved: Spend(tokens: 100))
        let slice = BudgetSlice(capacity: Spend(tokens: 400))
        #expect(BudgetLeasePlanner.plan(budget: tokens, counter: counter, slice: slice, measured: measured(demand: 100, sinceRenewal: 1)) == nil)
        let refresh = BudgetLeasePlanner.plan(budget: tokens, counter: counter, slice: slice, measured: measured(demand: 100, sinceRenewal: 10))
        #expect(refresh == BudgetLeasePlan(report: Spend(tokens: 50)), "a refresh reports the settled spend and changes nothing else")
    }

    @Test func theSettledSpendAlreadyReportedIsNotReportedAgain() {
        let counter = BudgetCounter(window: window, settled: Spend(tokens: 300))
        let slice = BudgetSlice(capacity: Spend(tokens: 100), reported: Spend(tokens: 250))
        let plan = BudgetLeasePlanner.plan(budget: tokens, counter: counter, slice: slice, measured: measured(demand: 100))
        #expect(plan?.report.tokens == 50)
        #expect(plan?.grow.tokens == 150, "free is 100 − 50 = 50; the target is 200")
    }

    @Test func anOversizedSliceGivesBackAndAnIdleOneGivesBackEverythingFree() {
        let counter = BudgetCounter(window: window, reserved: Spend(tokens: 100))
        let slice = BudgetSlice(capacity: Spend(tokens: 2_000))
        let trimmed = BudgetLeasePlanner.plan(budget: tokens, counter: counter, slice: slice, measured: measured(demand: 100))
        #expect(trimmed?.release.tokens == 1_900 - 200 && trimmed?.grow == .zero)
        let idle = BudgetLeasePlanner.plan(budget: tokens, counter: counter, slice: slice, measured: measured(demand: 100, idle: 11))
        #expect(idle?.release.tokens == 1_900, "what calls in flight hold stays")
    }

    @Test func anUrgentRenewalAsksForAtLeastTheCallThatWaits() {
        let counter = BudgetCounter(window: window, reserved: Spend(tokens: 150))
        let slice = BudgetSlice(capacity: Spend(tokens: 200))
        let plan = BudgetLeasePlanner.plan(
            budget: tokens, counter: counter, slice: slice, measured: measured(demand: 700, idle: 60), urgent: true)
        #expect((plan?.grow.tokens ?? 0) >= 700 - 50, "\(String(describing: plan))")
    }
}
