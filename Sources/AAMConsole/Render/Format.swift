import Foundation

/// Short, fixed-style numbers and times for narrow columns.
public enum Format {
    /// `HH:mm:ss` in `timeZone` (arithmetic, no formatter: cheap enough for every frame).
    public static func clockTime(_ date: Date, in timeZone: TimeZone) -> String {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down)) + timeZone.secondsFromGMT(for: date)
        let ofDay = ((seconds % 86_400) + 86_400) % 86_400
        return two(ofDay / 3600) + ":" + two(ofDay / 60 % 60) + ":" + two(ofDay % 60)
    }

    /// A SPIFFE ID without its `spiffe://` scheme (`prod/agent/finance-analyst`): the part that
    /// tells workloads apart in a narrow column.
    public static func workload(_ spiffeId: String) -> String {
        spiffeId.hasPrefix("spiffe://") ? String(spiffeId.dropFirst("spiffe://".count)) : spiffeId
    }

    /// "just now", "42s ago", "3m ago", "5h ago", "2d ago", or "in 3d" for the future.
    public static func relative(_ date: Date, now: Date) -> String {
        let delta = now.timeIntervalSince(date)
        if abs(delta) < 1 { return "just now" }
        let text = span(abs(delta))
        return delta > 0 ? "\(text) ago" : "in \(text)"
    }

    /// One unit, rounded down: "42s", "3m", "5h", "2d".
    public static func span(_ seconds: TimeInterval) -> String {
        let whole = Int(seconds)
        switch whole {
        case ..<60: return "\(whole)s"
        case ..<3600: return "\(whole / 60)m"
        case ..<86_400: return "\(whole / 3600)h"
        default: return "\(whole / 86_400)d"
        }
    }

    /// Countdown: "45s", "1m05s", "2h03m".
    public static func countdown(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded(.up))
        switch whole {
        case ..<60: return "\(whole)s"
        case ..<3600: return "\(whole / 60)m" + two(whole % 60) + "s"
        default: return "\(whole / 3600)h" + two(whole / 60 % 60) + "m"
        }
    }

    /// "850ms", "1.24s", "12.3s".
    public static func latency(_ milliseconds: Double) -> String {
        switch milliseconds {
        case ..<1000: return "\(Int(milliseconds.rounded()))ms"
        case ..<10_000: return String(format: "%.2fs", milliseconds / 1000)
        default: return String(format: "%.1fs", milliseconds / 1000)
        }
    }

    /// "999", "1.2k", "12k", "3.4M".
    public static func compact(_ value: Double) -> String {
        switch abs(value) {
        case ..<1000: return value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
        case ..<10_000: return String(format: "%.1fk", value / 1000)
        case ..<1_000_000: return "\(Int((value / 1000).rounded()))k"
        case ..<10_000_000: return String(format: "%.1fM", value / 1_000_000)
        default: return "\(Int((value / 1_000_000).rounded()))M"
        }
    }

    public static func compact(_ value: Int) -> String { compact(Double(value)) }

    /// A decimal USD string as "$0.0042", "$12.34", "$1.2k"; "—" when absent or not a number.
    /// A cost too small for four decimals is "<$0.0001", never "$0.0000" (a cheap call is not free).
    public static func money(_ decimal: String?) -> String {
        guard let decimal, let value = Double(decimal) else { return "—" }
        switch abs(value) {
        case 0: return "$0"
        case ..<0.00005: return value > 0 ? "<$0.0001" : "-<$0.0001"
        case ..<0.1: return String(format: "$%.4f", value)
        case ..<1000: return String(format: "$%.2f", value)
        default: return "$" + compact(value)
        }
    }

    /// "0%", "4.5%", "37%".
    public static func percent(_ ratio: Double) -> String {
        let value = ratio * 100
        if value == 0 { return "0%" }
        return value < 10 ? String(format: "%.1f%%", value) : "\(Int(value.rounded()))%"
    }

    private static func two(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }
}

/// Bars and sparklines from block characters.
public enum Blocks {
    private static let eighths: [Character] = ["▏", "▎", "▍", "▌", "▋", "▊", "▉"]
    private static let levels: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    /// The filled part of a bar `width` cells wide at `ratio` (0...1), with eighth-cell precision;
    /// the caller pads the rest with `░`.
    public static func barFill(ratio: Double, width: Int) -> String {
        let eighthsTotal = Int((min(1, max(0, ratio)) * Double(width * 8)).rounded())
        var text = String(repeating: "█", count: eighthsTotal / 8)
        if eighthsTotal % 8 > 0 { text.append(eighths[eighthsTotal % 8 - 1]) }
        return text
    }

    /// One block per value, scaled to the largest; a zero is the lowest block (drawn muted).
    public static func sparkline(_ values: [Int]) -> String {
        let maximum = values.max() ?? 0
        guard maximum > 0 else { return String(repeating: "▁", count: values.count) }
        return String(values.map { value in
            value <= 0 ? levels[0] : levels[min(7, max(1, Int((Double(value) / Double(maximum) * 7).rounded())))]
        })
    }
}
