import Foundation

/// Timestamps in the file: ISO 8601 date-times with a zone (`2027-01-01T00:00:00Z`,
/// `2027-01-01T09:30:00+02:00`, optional fractional seconds) or plain dates (midnight UTC).
enum ISO8601Timestamp {
    static func parse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withFullDate]
        return formatter.date(from: text)
    }
}
