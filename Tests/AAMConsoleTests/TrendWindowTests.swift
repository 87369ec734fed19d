import AAMControlProtocol
import Foundation
import Testing
@testable import AAMConsole

/// The console's trend window folded event by event: the attach-time history, then `trend`
/// events that replace the bucket in progress and add new ones.
@Suite("Trend window")
struct TrendWindowTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    static func bucket(_ offset: Int, requests: Int, errors: Int = 0, spend: String = "0", p95: Double? = nil) -> TrendBucket {
        TrendBucket(start: t0.addingTimeInterval(Double(offset * 10)), requests: requests, errors: errors, p95Ms: p95, spendUSD: spend)
    }

    @Test func foldsTheHistoryThenUpdatesByStartTime() {
        var window = TrendWindow()
        #expect(window.isEmpty)
        window.fold(TrendHistory(intervalSeconds: 10, capacity: 4, buckets: [Self.bucket(0, requests: 10), Self.bucket(1, requests: 3)]))
        #expect(window.buckets.map(\.requests) == [10, 3])
        // The bucket in progress grew, and a new interval began.
        window.fold(TrendHistory(intervalSeconds: 10, capacity: 4, buckets: [Self.bucket(1, requests: 20), Self.bucket(2, requests: 1)]))
        #expect(window.buckets.map(\.requests) == [10, 20, 1])
        // A gap (the console missed events): quiet intervals are filled in, the window stays at capacity.
        window.fold(TrendHistory(intervalSeconds: 10, capacity: 4, buckets: [Self.bucket(5, requests: 7)]))
        #expect(window.buckets.map(\.requests) == [1, 0, 0, 7], "interval 2 as last sent, 3 and 4 quiet, then 5")
        #expect(window.buckets.first?.start == Self.t0.addingTimeInterval(20))
    }

    @Test func seriesShowOnlyCompleteIntervals() {
        var window = TrendWindow()
        window.fold(TrendHistory(intervalSeconds: 10, capacity: 90, buckets: [
            Self.bucket(0, requests: 50, errors: 5, spend: "0.01", p95: 300), Self.bucket(1, requests: 10, spend: "0.002"),
        ]))
        let during = Self.t0.addingTimeInterval(12)  // 2 s into the second interval
        #expect(window.requestsPerSecond(now: during) == [5], "the interval in progress would dip: left out")
        #expect(window.errorRate(now: during) == [0.1])
        #expect(window.p95Ms(now: during) == [300])
        #expect(window.spendPerHour(now: during).compactMap { $0 }.map { ($0 * 1000).rounded() } == [3600])
        let after = Self.t0.addingTimeInterval(20)
        #expect(window.requestsPerSecond(now: after) == [5, 1])
        #expect(window.errorRate(now: after) == [0.1, 0])
    }

    @Test func perDeploymentSeriesAndMarkers() {
        var bucket = Self.bucket(0, requests: 1)
        bucket.deployments = ["east": DeploymentTrend(attempts: 4, errors: 1, p95Ms: 250, cooldownBegan: true)]
        var drained = Self.bucket(1, requests: 0)
        drained.deployments = ["east": DeploymentTrend(drainBegan: true)]
        var window = TrendWindow()
        window.fold(TrendHistory(intervalSeconds: 10, capacity: 90, buckets: [bucket, drained, Self.bucket(2, requests: 0)]))
        let now = Self.t0.addingTimeInterval(30)
        #expect(window.deploymentP95("east", now: now) == [250, nil, nil])
        #expect(window.deploymentErrorRate("east", now: now) == [0.25, nil, nil])
        #expect(window.deploymentMarkers("east", now: now) == [.cooldown, .drain, nil])
        #expect(window.deploymentMarkers("west", now: now) == [nil, nil, nil])
    }

    @Test func trendEventsFoldIntoTheStateWithoutCountingAsTraffic() {
        var state = ConsoleState(now: Self.t0)
        state.apply(.event(ControlEvent(kind: .trend, trend: TrendHistory(intervalSeconds: 10, capacity: 90,
                                                                          buckets: [Self.bucket(0, requests: 9)]))))
        #expect(state.trends.buckets.map(\.requests) == [9])
        #expect(state.eventsReceived == 0)
        var answer = ControlMessage(type: .result, id: 1)
        answer.trends = TrendHistory(intervalSeconds: 10, capacity: 90, buckets: [Self.bucket(0, requests: 12), Self.bucket(1, requests: 1)])
        state.apply(answer)
        #expect(state.trends.buckets.map(\.requests) == [12, 1])
    }

    @Test func attachingAsksForTheTrendHistoryAndAnOlderDaemonsRefusalIsNoError() throws {
        var state = ConsoleState(now: Self.t0)
        let sent = state.connected(to: nil).compactMap { effect -> ControlMessage? in
            if case .send(let message) = effect { return message }
            return nil
        }
        let trends = try #require(sent.first { $0.query == .trends })
        _ = state.requestFailed(trends, error: ControlError(code: .unknownQuery, message: "query: unknown 'trends'"))
        #expect(state.statusMessage == nil, "no history is not the operator's problem")
        let status = try #require(sent.first { $0.query == .status })
        _ = state.requestFailed(status, error: ControlError(code: .unknownQuery, message: "query: unknown 'status'"))
        #expect(state.statusMessage?.isError == true, "other refusals are still said")
    }
}
