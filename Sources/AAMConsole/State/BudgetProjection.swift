import Foundation

/// Where a budget is heading at the current burn rate: "at this rate the monthly budget is
/// exhausted on Dec 19". Pure: spend, limit, rate and `now` are given; periods are the
/// gateway's calendar windows in UTC (`BudgetPeriod`: daily, ISO weeks from Monday, months,
/// and `total`, which never resets).
public struct BudgetProjection: Sendable, Equatable {
    public enum Verdict: Sendable, Equatable {
        /// Nothing left: spend reached the limit.
        case exhausted
        /// At this rate the limit is reached at this instant, before the period resets.
        case runsOut(Date)
        /// The period resets before the limit is reached (or nothing is being spent).
        case lasts
    }

    public var verdict: Verdict
    /// Share of the limit spent (0...).
    public var ratio: Double

    /// `spent` and `limit` in USD, `ratePerHour` in USD per hour.
    public init(period: String, spent: Double, limit: Double, ratePerHour: Double, now: Date) {
        ratio = limit > 0 ? spent / limit : 1
        guard spent < limit else {
            verdict = .exhausted
            return
        }
        guard ratePerHour > 0 else {
            verdict = .lasts
            return
        }
        let runsOut = now.addingTimeInterval((limit - spent) / ratePerHour * 3600)
        if let end = Self.periodEnd(period, after: now), runsOut >= end {
            verdict = .lasts
        } else {
            verdict = .runsOut(runsOut)
        }
    }

    /// Warning level for coloring: how soon it runs out (or how full it is) decides.
    public enum Urgency: Sendable, Equatable, Comparable { case calm, nearing, urgent }

    public func urgency(now: Date) -> Urgency {
        switch verdict {
        case .exhausted: return .urgent
        case .runsOut(let date):
            let hours = date.timeIntervalSince(now) / 3600
            return hours < 24 ? .urgent : .nearing
        case .lasts: return ratio >= 0.85 ? .nearing : .calm
        }
    }

    /// Short cell text: "out", "17:40" (today), "Dec 19", "ok".
    public func shortText(now: Date) -> String {
        switch verdict {
        case .exhausted: return "spent"
        case .lasts: return "ok"
        case .runsOut(let date):
            if Self.utc.isDate(date, inSameDayAs: now) { return Self.hourMinute(date) }
            return Self.monthDay(date)
        }
    }

    /// The sentence for the selected scope.
    public func sentence(period: String, now: Date) -> String {
        switch verdict {
        case .exhausted: return "the \(period) budget is spent"
        case .lasts: return "at this rate the \(period) budget lasts the period"
        case .runsOut(let date):
            let when = Self.utc.isDate(date, inSameDayAs: now)
                ? "today at \(Self.hourMinute(date)) UTC"
                : "on \(Self.monthDay(date))"
            return "at this rate the \(period) budget is exhausted \(when) (in \(Format.span(date.timeIntervalSince(now))))"
        }
    }

    static let utc: Calendar = {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = .gmt
        calendar.firstWeekday = 2
        calendar.minimumDaysInFirstWeek = 4
        return calendar
    }()

    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func hourMinute(_ date: Date) -> String { String(Format.clockTime(date, in: utc.timeZone).prefix(5)) }

    static func monthDay(_ date: Date) -> String {
        let parts = utc.dateComponents([.month, .day], from: date)
        return "\(months[((parts.month ?? 1) - 1) % 12]) \(parts.day ?? 1)"
    }

    /// When the window containing `now` ends (nil for `total` and unknown periods: no reset).
    static func periodEnd(_ period: String, after now: Date) -> Date? {
        let component: Calendar.Component
        switch period {
        case "daily": component = .day
        case "weekly": component = .weekOfYear
        case "monthly": component = .month
        default: return nil
        }
        return utc.dateInterval(of: component, for: now)?.end
    }
}
