import Foundation

/// Parsers for the time formats vendors put in rate-limit headers.
///
/// Pure and allocation-light: each takes the raw header value and returns `nil` for anything
/// it does not recognise rather than guessing, so a malformed header can never produce a
/// surprising cooldown. Hand-written instead of `DateFormatter` because formatters are costly to
/// build, locale-sensitive, and this runs on the request path of every 429.
public enum HeaderTimeFormats {
    /// Non-negative delta seconds, as in `retry-after: 2` (a fraction such as `1.5` is accepted,
    /// since some vendors send one).
    public static func deltaSeconds(_ value: String) -> TimeInterval? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E }),
              let seconds = Double(trimmed), seconds.isFinite
        else { return nil }
        return seconds
    }

    /// A Go `time.Duration` string, the format of OpenAI's `x-ratelimit-reset-*` headers:
    /// `1s`, `6m0s`, `250ms`, `1h2m3.5s`, `17.5ms`. Units: `h m s ms us µs ns`.
    public static func goDuration(_ value: String) -> TimeInterval? {
        let bytes = Array(value.trimmingCharacters(in: .whitespaces).utf8)
        guard !bytes.isEmpty else { return nil }
        if bytes == [0x30] { return 0 }  // Go prints a zero duration as a bare "0".
        var total: TimeInterval = 0
        var index = 0
        while index < bytes.count {
            let numberStart = index
            while index < bytes.count, (bytes[index] >= 0x30 && bytes[index] <= 0x39) || bytes[index] == 0x2E { index += 1 }
            guard index > numberStart,
                  let number = Double(String(decoding: bytes[numberStart..<index], as: UTF8.self))
            else { return nil }
            let unitStart = index
            while index < bytes.count, !(bytes[index] >= 0x30 && bytes[index] <= 0x39), bytes[index] != 0x2E { index += 1 }
            guard let scale = goUnitScale(String(decoding: bytes[unitStart..<index], as: UTF8.self)) else { return nil }
            total += number * scale
        }
        return total.isFinite ? total : nil
    }

    private static func goUnitScale(_ unit: String) -> TimeInterval? {
        switch unit {
        case "h": 3600
        case "m": 60
        case "s": 1
        case "ms": 1e-3
        case "us", "µs", "μs": 1e-6
        case "ns": 1e-9
        default: nil
        }
    }

    /// An HTTP-date (RFC 9110 §5.6.7) as used by `retry-after`. Recipients must accept all three
    /// forms, so all three are: IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT`, obsolete RFC 850
    /// `Sunday, 06-Nov-94 08:49:37 GMT` and asctime `Sun Nov  6 08:49:37 1994`.
    public static func httpDate(_ value: String) -> Date? {
        // Commas and dashes only separate fields in every form, so treat them as spaces; then
        // the first number is the day and the second the year, whatever the form.
        let tokens = value.split { $0 == " " || $0 == "," || $0 == "-" || $0 == "\t" }
        guard tokens.count >= 5, tokens.count <= 6 else { return nil }
        var month: Int?
        var time: (Int, Int, Int)?
        var numbers: [Int] = []
        for token in tokens {
            if token.contains(":") {
                time = clock(token)
            } else if let number = Int(token) {
                numbers.append(number)
            } else if let named = monthNumber(token) {
                month = named
            } else if token != "GMT", token != "UTC", weekday(token) == false {
                return nil
            }
        }
        guard let month, let time, numbers.count == 2, (1...31).contains(numbers[0]) else { return nil }
        var year = numbers[1]
        if year < 100 { year += year < 70 ? 2000 : 1900 }  // RFC 850 two-digit years.
        return CivilTime.date(year: year, month: month, day: numbers[0], hour: time.0, minute: time.1, second: Double(time.2))
    }

    /// An RFC 3339 timestamp, the format of Anthropic's `anthropic-ratelimit-*-reset` headers:
    /// `2025-01-01T00:00:05Z`, with optional fractional seconds and a numeric offset.
    public static func rfc3339(_ value: String) -> Date? {
        let b = Array(value.trimmingCharacters(in: .whitespaces).utf8)
        guard b.count >= 20, b[4] == 0x2D, b[7] == 0x2D, b[13] == 0x3A, b[16] == 0x3A,
              b[10] == 0x54 || b[10] == 0x74 || b[10] == 0x20,
              let year = digits(b, 0, 4), let month = digits(b, 5, 2), let day = digits(b, 8, 2),
              let hour = digits(b, 11, 2), let minute = digits(b, 14, 2), let whole = digits(b, 17, 2)
        else { return nil }
        var index = 19
        var second = Double(whole)
        if b[index] == 0x2E {
            let start = index
            index += 1
            while index < b.count, b[index] >= 0x30, b[index] <= 0x39 { index += 1 }
            guard index > start + 1, let fraction = Double("0" + String(decoding: b[start..<index], as: UTF8.self)) else { return nil }
            second += fraction
        }
        guard index < b.count else { return nil }
        var offset = 0
        switch b[index] {
        case 0x5A, 0x7A:  // Z or z
            guard index + 1 == b.count else { return nil }
        case 0x2B, 0x2D:  // +hh:mm or -hh:mm
            guard b.count == index + 6, b[index + 3] == 0x3A,
                  let hours = digits(b, index + 1, 2), let minutes = digits(b, index + 4, 2)
            else { return nil }
            offset = (hours * 3600 + minutes * 60) * (b[index] == 0x2B ? 1 : -1)
        default:
            return nil
        }
        guard let local = CivilTime.date(year: year, month: month, day: day, hour: hour, minute: minute, second: second) else {
            return nil
        }
        return local.addingTimeInterval(TimeInterval(-offset))
    }

    private static func digits(_ bytes: [UInt8], _ start: Int, _ count: Int) -> Int? {
        var value = 0
        for index in start..<(start + count) {
            let byte = bytes[index]
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value
    }

    private static func clock(_ token: Substring) -> (Int, Int, Int)? {
        let parts = token.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ $0.count == 2 }),
              let h = Int(parts[0]), let m = Int(parts[1]), let s = Int(parts[2])
        else { return nil }
        return (h, m, s)
    }

    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    private static let weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

    private static func monthNumber(_ token: Substring) -> Int? {
        guard token.count == 3 else { return nil }
        return months.firstIndex(of: token.lowercased()).map { $0 + 1 }
    }

    private static func weekday(_ token: Substring) -> Bool {
        // Short (`Sun`) or long (`Sunday`, RFC 850) names; the weekday is redundant, so it is
        // only checked for shape, never cross-checked against the date.
        let lowered = token.lowercased()
        return weekdays.contains { lowered == $0 || (lowered.hasPrefix($0) && lowered.hasSuffix("day")) }
    }
}

/// Proleptic Gregorian calendar arithmetic in UTC, without `Calendar` (which allocates and
/// depends on the process's time zone settings).
enum CivilTime {
    /// The instant of a UTC civil time, or `nil` when a field is out of range.
    static func date(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Double) -> Date? {
        guard (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day),
              (0...23).contains(hour), (0...59).contains(minute), second >= 0, second < 61
        else { return nil }
        let days = daysFromEpoch(year: year, month: month, day: day)
        return Date(timeIntervalSince1970: TimeInterval(days * 86_400 + hour * 3600 + minute * 60) + second)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
    static func daysFromEpoch(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
