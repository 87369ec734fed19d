import AAMControlProtocol
import Foundation

/// The console's copy of the daemon's trend history (`TrendHistory`): the whole window from the
/// `trends` query when it attaches, then the newest buckets from each `trend` event, folded in
/// by start time (a bucket seen again replaces the older copy: its figures have grown).
/// Always time-aligned: one bucket per interval up to the newest, quiet ones empty, so
/// sparklines of different series line up.
public struct TrendWindow: Sendable, Equatable {
    public private(set) var intervalSeconds = 10
    public private(set) var capacity = 90
    /// Oldest first, one per interval, the last being the newest the daemon sent.
    public private(set) var buckets: [TrendBucket] = []
    /// The strip's four series over `buckets`, computed once per fold (every 2 s) rather than
    /// once per frame (10 a second, each parsing 90 decimal strings).
    private var strip = StripSeries()

    private struct StripSeries: Sendable, Equatable {
        var requestsPerSecond: [Double?] = []
        var errorRate: [Double?] = []
        var p95Ms: [Double?] = []
        var spendPerHour: [Double?] = []
    }

    public init() {}

    /// Whether the daemon sent any history (an older daemon sends none).
    public var isEmpty: Bool { buckets.isEmpty }

    public mutating func fold(_ history: TrendHistory) {
        guard history.intervalSeconds > 0, !history.buckets.isEmpty else { return }
        if history.intervalSeconds != intervalSeconds {
            buckets = []
            intervalSeconds = history.intervalSeconds
        }
        capacity = max(2, history.capacity)
        var byIndex: [Int64: TrendBucket] = [:]
        for bucket in buckets { byIndex[index(of: bucket.start)] = bucket }
        for bucket in history.buckets { byIndex[index(of: bucket.start)] = bucket }
        guard let last = byIndex.keys.max() else { return }
        let first = last - Int64(capacity) + 1
        let oldest = max(first, byIndex.keys.min() ?? first)
        buckets = (oldest...last).map { byIndex[$0] ?? TrendBucket(start: Date(timeIntervalSince1970: Double($0) * Double(intervalSeconds))) }
        let seconds = Double(intervalSeconds)
        strip = StripSeries(
            requestsPerSecond: buckets.map { Double($0.requests) / seconds },
            errorRate: buckets.map { $0.requests > 0 ? Double($0.errors) / Double($0.requests) : nil },
            p95Ms: buckets.map(\.p95Ms),
            spendPerHour: buckets.map { (Double($0.spendUSD) ?? 0) * 3600 / seconds })
    }

    /// How many of `buckets` have ended by `now`.
    func completeCount(now: Date) -> Int {
        guard let last = buckets.last, last.start.addingTimeInterval(Double(intervalSeconds)) > now else { return buckets.count }
        return buckets.count - 1
    }

    func index(of date: Date) -> Int64 { Int64((date.timeIntervalSince1970 / Double(intervalSeconds)).rounded(.down)) }

    /// The intervals that have ended by `now`, oldest first: sparklines and figures show only
    /// complete intervals (the one in progress would dip at the right edge while it fills).
    public func complete(now: Date) -> ArraySlice<TrendBucket> { buckets.prefix(completeCount(now: now)) }

    // MARK: Series for the header strip (oldest first, complete intervals)

    public func requestsPerSecond(now: Date) -> [Double?] { Array(strip.requestsPerSecond.prefix(completeCount(now: now))) }

    /// Error share of calls; nil for an interval without calls.
    public func errorRate(now: Date) -> [Double?] { Array(strip.errorRate.prefix(completeCount(now: now))) }

    public func p95Ms(now: Date) -> [Double?] { Array(strip.p95Ms.prefix(completeCount(now: now))) }

    public func spendPerHour(now: Date) -> [Double?] { Array(strip.spendPerHour.prefix(completeCount(now: now))) }

    // MARK: Per deployment, workload and scope

    public func deploymentP95(_ deployment: String, now: Date) -> [Double?] { complete(now: now).map { $0.deployments?[deployment]?.p95Ms } }

    public func deploymentErrorRate(_ deployment: String, now: Date) -> [Double?] {
        complete(now: now).map { bucket in
            guard let entry = bucket.deployments?[deployment], entry.attempts > 0 else { return nil }
            return Double(entry.errors) / Double(entry.attempts)
        }
    }

    /// Where a cooldown or a drain began, per complete interval (drain wins when both did).
    public func deploymentMarkers(_ deployment: String, now: Date) -> [TrendMarker?] {
        complete(now: now).map { bucket in
            guard let entry = bucket.deployments?[deployment] else { return nil }
            if entry.drainBegan == true { return .drain }
            if entry.cooldownBegan == true { return .cooldown }
            return nil
        }
    }

    public func decisions(of spiffeId: String, now: Date) -> [DecisionTrend] {
        complete(now: now).map { $0.workloads?[spiffeId] ?? DecisionTrend() }
    }

    /// Spend per interval of a scope (`kind:id`), USD.
    public func spend(ofScope key: String, now: Date) -> [Double?] { complete(now: now).map { Double($0.scopes?[key] ?? "0") ?? 0 } }
}

/// What began in an interval of a deployment's history.
public enum TrendMarker: Sendable, Equatable {
    case cooldown, drain

    /// The letter drawn over the sparkline there (same in every glyph set).
    public var glyph: Character { self == .cooldown ? "C" : "D" }
}
