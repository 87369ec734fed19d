import Foundation

/// The times `aam` flags take (`--since`, `--from`, `--to`): an ISO 8601 date
/// (`2030-01-31T00:00:00Z`, `2030-01-31`) or an age such as `90s`, `15m`, `24h`, `7d` (before
/// `now`), as `kubectl logs --since` and `gh run list --created` take them. Pure.
enum CLITime {
    static let help = "an ISO 8601 date (2030-01-31T00:00:00Z) or an age such as 90s, 15m, 24h or 7d"

    static func parse(_ text: String, now: Date) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let unit = trimmed.last, let seconds = ["s": 1.0, "m": 60, "h": 3_600, "d": 86_400][unit], let count = Double(trimmed.dropLast()), count >= 0 {
            return now.addingTimeInterval(-count * seconds)
        }
        return date(trimmed)
    }

    /// An ISO 8601 date or date-time, with or without fractional seconds.
    static func date(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: .iso8601) { return date }
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
        return try? Date(text, strategy: Date.ISO8601FormatStyle().year().month().day())
    }

    /// The admin API's spelling of a date (what its query parameters take).
    static func iso(_ date: Date) -> String { date.formatted(.iso8601) }
}
