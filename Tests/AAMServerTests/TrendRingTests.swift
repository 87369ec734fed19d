import AAMControlProtocol
import AAMCore
import Foundation
import Testing

@testable import AAMServer

/// The daemon's trend history (`TrendRing`), event by event with explicit times: buckets per
/// interval, the fixed window, late records, markers, and the latency histogram behind p95.
@Suite("Trend ring (pure)")
struct TrendRingTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)  // a whole 10 s interval

    static func call(_ id: String, latency: Double = 100, cost: String? = nil, outcome: CallRecord.Outcome = .success,
                     attempts: [CallRecord.Attempt] = []) -> CallRecord {
        var record = ControlActivityTests.call(id, team: "t1", cost: cost, attempts: attempts, outcome: outcome)
        record.latencyMs = latency
        return record
    }

    @Test func callsLandInTheirIntervalAndQuietIntervalsAreEmpty() throws {
        var ring = TrendRing(interval: 10, capacity: 6)
        ring.record(Self.call("a", latency: 100, cost: "0.5"), finishedAt: Self.t0.addingTimeInterval(1))
        ring.record(Self.call("b", latency: 300, outcome: .upstreamError), finishedAt: Self.t0.addingTimeInterval(9))
        ring.record(Self.call("c", latency: 50, cost: "0.25"), finishedAt: Self.t0.addingTimeInterval(31))
        let history = ring.history(at: Self.t0.addingTimeInterval(35))
        #expect(history.intervalSeconds == 10 && history.capacity == 6)
        #expect(history.buckets.count == 6, "the whole window, quiet intervals included")
        let last = try #require(history.buckets.last)
        #expect(last.start == Self.t0.addingTimeInterval(30))
        #expect(last.requests == 1 && Double(last.spendUSD) == 0.25)
        let first = history.buckets[history.buckets.count - 4]
        #expect(first.start == Self.t0)
        #expect(first.requests == 2 && first.errors == 1 && Double(first.spendUSD) == 0.5)
        #expect(history.buckets[history.buckets.count - 3].requests == 0, "10-20 s was quiet")
        // p95 of {100, 300} is the bin holding 300 (the upper edge, within a bin's width).
        let p95 = try #require(first.p95Ms)
        #expect(p95 >= 300 && p95 < 300 * 1.2)
        #expect(["team:t1", "org:acme", "key:k1"].allSatisfy { first.scopes?[$0].flatMap(Double.init) == 0.5 }, "\(first.scopes ?? [:])")
    }

    @Test func theWindowKeepsOnlyTheNewestIntervals() {
        var ring = TrendRing(interval: 10, capacity: 3)
        for step in 0..<10 { ring.record(Self.call("c\(step)"), finishedAt: Self.t0.addingTimeInterval(Double(step * 10))) }
        let history = ring.history(at: Self.t0.addingTimeInterval(95))
        #expect(history.buckets.map(\.start) == [70, 80, 90].map { Self.t0.addingTimeInterval($0) })
        #expect(history.buckets.map(\.requests) == [1, 1, 1])
        // Later, with nothing recorded since, the old intervals fall out of the window.
        let later = ring.history(at: Self.t0.addingTimeInterval(200))
        #expect(later.buckets.map(\.requests) == [0, 0, 0])
    }

    @Test func aRecordOlderThanTheOpenIntervalCountsInIt() {
        var ring = TrendRing(interval: 10, capacity: 4)
        ring.record(Self.call("new"), finishedAt: Self.t0.addingTimeInterval(12))
        ring.record(Self.call("late"), finishedAt: Self.t0.addingTimeInterval(8))
        let history = ring.history(at: Self.t0.addingTimeInterval(15))
        #expect(history.buckets.last?.requests == 2, "published after the tick: counted now, not lost")
        #expect(history.buckets.dropLast().allSatisfy { $0.requests == 0 })
    }

    @Test func deploymentsWorkloadsAndMarkers() throws {
        var ring = TrendRing(interval: 10, capacity: 4)
        let attempts = [
            CallRecord.Attempt(deployment: "east", provider: "p", status: 503, errorClass: "upstream_5xx", latencyMs: 900),
            CallRecord.Attempt(deployment: "west", provider: "p", status: 200, errorClass: nil, latencyMs: 120),
        ]
        ring.record(Self.call("a", attempts: attempts), finishedAt: Self.t0.addingTimeInterval(2))
        ring.markCooldown(deployment: "east", at: Self.t0.addingTimeInterval(3))
        ring.markDrain(deployment: "west", at: Self.t0.addingTimeInterval(14))
        ring.recordDecision(spiffeId: "spiffe://a", allowed: true, at: Self.t0.addingTimeInterval(15))
        ring.recordDecision(spiffeId: "spiffe://a", allowed: false, at: Self.t0.addingTimeInterval(16))
        let history = ring.latest(count: 2, at: Self.t0.addingTimeInterval(16))
        #expect(history.buckets.count == 2, "a trend event carries the closed interval and the open one")
        let closed = try #require(history.buckets.first?.deployments)
        #expect(closed["east"]?.attempts == 1 && closed["east"]?.errors == 1 && closed["east"]?.cooldownBegan == true)
        #expect(closed["west"]?.errors == 0 && closed["west"]?.drainBegan == nil)
        let open = try #require(history.buckets.last)
        #expect(open.deployments?["west"]?.drainBegan == true)
        #expect(open.workloads?["spiffe://a"] == DecisionTrend(allowed: 1, denied: 1))
    }

    @Test func drainObservationsMarkOnlyNewDrains() throws {
        let activity = ControlActivity()
        activity.observeDrained(["old"], at: Self.t0)
        activity.observeDrained(["old", "new"], at: Self.t0.addingTimeInterval(1))
        let bucket = try #require(activity.trendHistory(at: Self.t0.addingTimeInterval(2)).buckets.last)
        #expect(bucket.deployments?["new"]?.drainBegan == true)
        #expect(bucket.deployments?["old"] == nil, "drained before the daemon looked: no marker")
    }

    @Test func histogramPercentilesAreWithinABin() throws {
        var histogram = LatencyHistogram()
        #expect(histogram.percentile(0.95) == nil)
        for ms in 1...100 { histogram.record(Double(ms)) }
        let p95 = try #require(histogram.percentile(0.95))
        #expect(p95 >= 95 && p95 <= 95 * 1.19)
        let p50 = try #require(histogram.percentile(0.5))
        #expect(p50 >= 50 && p50 <= 50 * 1.19)
        histogram.record(.nan)
        histogram.record(-1)
        #expect(histogram.total == 100, "nonsense samples are ignored")
    }
}
