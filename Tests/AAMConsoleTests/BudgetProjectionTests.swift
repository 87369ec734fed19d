import Foundation
import Testing
@testable import AAMConsole

/// Burn-down projections with an injected clock: when a budget runs out at the current rate,
/// whether the period resets first, and how urgent it looks.
@Suite("Budget projection")
struct BudgetProjectionTests {
    /// Monday 2026-12-07 12:00 UTC.
    static let now = Date(timeIntervalSince1970: 1_796_644_800)

    @Test func aMonthlyBudgetRunsOutOnADayOfThisMonth() {
        // $1,000 left at $4/h: 250 h, i.e. 10 days 10 h: Dec 17 22:00, before Jan 1.
        let projection = BudgetProjection(period: "monthly", spent: 1000, limit: 2000, ratePerHour: 4, now: Self.now)
        #expect(projection.verdict == .runsOut(Self.now.addingTimeInterval(250 * 3600)))
        #expect(projection.shortText(now: Self.now) == "Dec 17")
        #expect(projection.sentence(period: "monthly", now: Self.now) == "at this rate the monthly budget is exhausted on Dec 17 (in 10d)")
        #expect(projection.urgency(now: Self.now) == .nearing)
    }

    @Test func aBudgetThatOutlastsItsPeriodLasts() {
        // $10 left at $1/h: 10 h, but the day ends in 12 h... it runs out first; at $0.5/h it lasts.
        #expect(BudgetProjection(period: "daily", spent: 90, limit: 100, ratePerHour: 1, now: Self.now).verdict
            == .runsOut(Self.now.addingTimeInterval(36_000)))
        let lasting = BudgetProjection(period: "daily", spent: 90, limit: 100, ratePerHour: 0.5, now: Self.now)
        #expect(lasting.verdict == .lasts)
        #expect(lasting.shortText(now: Self.now) == "ok")
        #expect(lasting.urgency(now: Self.now) == .nearing, "90 % spent still warns")
        #expect(BudgetProjection(period: "weekly", spent: 1, limit: 100, ratePerHour: 0, now: Self.now).urgency(now: Self.now) == .calm)
    }

    @Test func runningOutTodayIsUrgentAndShowsTheTime() {
        let projection = BudgetProjection(period: "daily", spent: 95, limit: 100, ratePerHour: 2, now: Self.now)
        #expect(projection.shortText(now: Self.now) == "14:30")
        #expect(projection.sentence(period: "daily", now: Self.now) == "at this rate the daily budget is exhausted today at 14:30 UTC (in 2h)")
        #expect(projection.urgency(now: Self.now) == .urgent)
    }

    @Test func aSpentBudgetIsExhausted() {
        let projection = BudgetProjection(period: "total", spent: 100, limit: 100, ratePerHour: 0, now: Self.now)
        #expect(projection.verdict == .exhausted)
        #expect(projection.shortText(now: Self.now) == "spent")
        #expect(projection.urgency(now: Self.now) == .urgent)
    }

    @Test func aTotalBudgetNeverResets() {
        // $100 left at $0.1/h: 1000 h ≈ 41 days: still a date, since `total` has no period end.
        let projection = BudgetProjection(period: "total", spent: 0, limit: 100, ratePerHour: 0.1, now: Self.now)
        #expect(projection.verdict == .runsOut(Self.now.addingTimeInterval(1_000 * 3600)))
        #expect(projection.shortText(now: Self.now) == "Jan 18")
    }

    @Test func weeksEndOnMonday() {
        // Monday noon + 6.5 days = Sunday midnight... 156 h left at 1 $/h reaches Monday 00:00: it lasts.
        #expect(BudgetProjection.periodEnd("weekly", after: Self.now) == Date(timeIntervalSince1970: 1_797_206_400))
        #expect(BudgetProjection(period: "weekly", spent: 0, limit: 157, ratePerHour: 1, now: Self.now).verdict == .lasts)
    }
}
