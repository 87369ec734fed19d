import Foundation

/// How often a budget starts over.
///
/// Windows are calendar-aligned in the gateway's configured IANA time zone (UTC by default):
/// - `daily`: local midnight to the next local midnight, so a DST day is 23 or 25 hours long
///   (and where midnight itself is skipped, the day starts at the first instant that exists);
/// - `weekly`: ISO 8601 weeks, **Monday** 00:00 local to the next Monday 00:00;
/// - `monthly`: the 1st 00:00 local to the next month's 1st (Jan 31 is followed by Feb 1;
///   February has 29 days in leap years);
/// - `total`: one window for all time, which never resets.
///
/// Windows are half-open `[start, end)`: an event exactly at midnight belongs to the new day.
public enum BudgetPeriod: String, Sendable, Hashable, Codable, CaseIterable {
    case daily, weekly, monthly, total

    /// The window containing `date` in `timeZone`.
    public func window(containing date: Date, timeZone: TimeZone = .gmt) -> BudgetWindow {
        let component: Calendar.Component
        switch self {
        case .total: return .allTime
        case .daily: component = .day
        case .weekly: component = .weekOfYear
        case .monthly: component = .month
        }
        let calendar = BudgetPeriod.calendar(in: timeZone)
        guard let interval = calendar.dateInterval(of: component, for: date) else {
            // Foundation returns nil only for dates outside the calendar's range.
            return .allTime
        }
        return BudgetWindow(start: interval.start, end: interval.end)
    }

    /// The ISO 8601 calendar (Gregorian, weeks start Monday, week 1 holds the first Thursday).
    static func calendar(in timeZone: TimeZone) -> Calendar {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = timeZone
        calendar.firstWeekday = 2
        calendar.minimumDaysInFirstWeek = 4
        return calendar
    }
}

/// A half-open span of time `[start, end)` that one budget period's counters cover.
public struct BudgetWindow: Sendable, Hashable, Codable {
    public var start: Date
    public var end: Date

    public init(start: Date, end: Date) {
        self.start = start
        self.end = end
    }

    /// The window of a `total` budget: it never ends, so a rejection carries no retry time.
    public static let allTime = BudgetWindow(start: .distantPast, end: .distantFuture)

    public func contains(_ date: Date) -> Bool { start <= date && date < end }

    /// When a rejection against this window can be retried: its end, or nil for `allTime`.
    public var retryAfter: Date? { end == .distantFuture ? nil : end }
}
