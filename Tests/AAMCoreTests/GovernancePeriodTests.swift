import AAMCore
import Foundation
import Testing

private func instant(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }
private let newYork = TimeZone(identifier: "America/New_York")!

@Suite("Governance: budget periods")
struct GovernancePeriodTests {
    @Test("daily windows are UTC midnights by default, half-open")
    func dailyUTC() {
        let window = BudgetPeriod.daily.window(containing: instant("2026-05-10T23:59:59Z"))
        #expect(window == BudgetWindow(start: instant("2026-05-10T00:00:00Z"), end: instant("2026-05-11T00:00:00Z")))
        #expect(BudgetPeriod.daily.window(containing: instant("2026-05-11T00:00:00Z")).start == instant("2026-05-11T00:00:00Z"))
    }

    @Test("daily windows follow New York midnight, 23 h on the spring-forward day, 25 h on fall-back")
    func dailyNewYorkDST() {
        let before = BudgetPeriod.daily.window(containing: instant("2026-03-08T04:59:59Z"), timeZone: newYork)
        #expect(before == BudgetWindow(start: instant("2026-03-07T05:00:00Z"), end: instant("2026-03-08T05:00:00Z")))
        let spring = BudgetPeriod.daily.window(containing: instant("2026-03-08T05:00:00Z"), timeZone: newYork)
        #expect(spring == BudgetWindow(start: instant("2026-03-08T05:00:00Z"), end: instant("2026-03-09T04:00:00Z")))
        #expect(spring.end.timeIntervalSince(spring.start) == 23 * 3600)
        let fall = BudgetPeriod.daily.window(containing: instant("2026-11-01T12:00:00Z"), timeZone: newYork)
        #expect(fall == BudgetWindow(start: instant("2026-11-01T04:00:00Z"), end: instant("2026-11-02T05:00:00Z")))
        #expect(fall.end.timeIntervalSince(fall.start) == 25 * 3600)
    }

    @Test("where DST skips midnight itself, the day starts at the first local instant that exists")
    func skippedMidnight() {
        // São Paulo, 2018-11-04: clocks jumped from 00:00 to 01:00 (-03 -> -02).
        let saoPaulo = TimeZone(identifier: "America/Sao_Paulo")!
        let day = BudgetPeriod.daily.window(containing: instant("2018-11-04T12:00:00Z"), timeZone: saoPaulo)
        #expect(day == BudgetWindow(start: instant("2018-11-04T03:00:00Z"), end: instant("2018-11-05T02:00:00Z")))
        let previous = BudgetPeriod.daily.window(containing: instant("2018-11-04T02:59:59Z"), timeZone: saoPaulo)
        #expect(previous.end == day.start)
    }

    @Test("weeks start Monday 00:00 (ISO), also across a year end and in New York")
    func weekly() {
        // 2026-01-01 is a Thursday: its week starts Monday 2025-12-29.
        let yearEnd = BudgetPeriod.weekly.window(containing: instant("2026-01-01T10:00:00Z"))
        #expect(yearEnd == BudgetWindow(start: instant("2025-12-29T00:00:00Z"), end: instant("2026-01-05T00:00:00Z")))
        // Sunday 2026-03-08 belongs to the week of Monday 2026-03-02; the week spans the DST change.
        let sunday = BudgetPeriod.weekly.window(containing: instant("2026-03-08T20:00:00Z"), timeZone: newYork)
        #expect(sunday == BudgetWindow(start: instant("2026-03-02T05:00:00Z"), end: instant("2026-03-09T04:00:00Z")))
        // Monday 00:00 local starts the next week.
        let monday = BudgetPeriod.weekly.window(containing: instant("2026-03-09T04:00:00Z"), timeZone: newYork)
        #expect(monday.start == instant("2026-03-09T04:00:00Z"))
    }

    @Test("months end on their last day; February has 29 days in leap years")
    func monthly() {
        let january = BudgetPeriod.monthly.window(containing: instant("2026-01-31T23:59:59Z"))
        #expect(january == BudgetWindow(start: instant("2026-01-01T00:00:00Z"), end: instant("2026-02-01T00:00:00Z")))
        let february = BudgetPeriod.monthly.window(containing: instant("2026-02-01T00:00:00Z"))
        #expect(february.end == instant("2026-03-01T00:00:00Z"))
        let leap = BudgetPeriod.monthly.window(containing: instant("2028-02-29T12:00:00Z"))
        #expect(leap == BudgetWindow(start: instant("2028-02-01T00:00:00Z"), end: instant("2028-03-01T00:00:00Z")))
        let december = BudgetPeriod.monthly.window(containing: instant("2026-12-31T23:00:00Z"))
        #expect(december.end == instant("2027-01-01T00:00:00Z"))
        let marchNY = BudgetPeriod.monthly.window(containing: instant("2026-03-15T00:00:00Z"), timeZone: newYork)
        #expect(marchNY == BudgetWindow(start: instant("2026-03-01T05:00:00Z"), end: instant("2026-04-01T04:00:00Z")))
    }

    @Test("total never resets and offers no retry time")
    func total() {
        let window = BudgetPeriod.total.window(containing: instant("2026-01-01T00:00:00Z"), timeZone: newYork)
        #expect(window == .allTime)
        #expect(window.retryAfter == nil)
        #expect(BudgetPeriod.daily.window(containing: instant("2026-01-01T00:00:00Z")).retryAfter == instant("2026-01-02T00:00:00Z"))
    }
}
