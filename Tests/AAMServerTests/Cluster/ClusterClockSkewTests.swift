import AAMCore
import AAMTesting
import Foundation
import Testing

@testable import AAMServer

/// A real-time clock running `skew` seconds ahead of this machine's, as a replica on a badly
/// set host would have.
struct SkewedClock: RealTimeClock {
    let skew: TimeInterval
    func now() -> Date { Date().addingTimeInterval(skew) }
}

/// Clock skew between replicas must not break shared windows (issue 14, "bad input and
/// edges"): a replica whose clock is already in tomorrow still spends from today's budget
/// window, because budgets and rate limits cut their windows on the database's clock.
@Suite("Cluster: clock skew", .serialized)
struct ClusterClockSkewTests {
    @Test("AlignedClock: the remote time minus the local midpoint; a slow round trip says nothing")
    func offsetArithmetic() {
        let before = Date(timeIntervalSince1970: 1_000)
        #expect(AlignedClock.offset(fromLocalBefore: before, remote: before.addingTimeInterval(-3599.9), localAfter: before.addingTimeInterval(0.2)) == -3600)
        #expect(AlignedClock.offset(fromLocalBefore: before, remote: before, localAfter: before.addingTimeInterval(2)) == nil)
        #expect(AlignedClock.offset(fromLocalBefore: before, remote: before, localAfter: before.addingTimeInterval(-1)) == nil)
        let clock = AlignedClock(base: SkewedClock(skew: 100))
        clock.setOffset(-100)
        #expect(abs(clock.now().timeIntervalSinceNow) < 1)
    }

    @Test("a replica whose clock is in tomorrow spends from today's window: a daily budget holds across both", .enabled(if: ClusterFeedTests.enabled))
    func aSkewedReplicaSharesTodaysWindow() async throws {
        // One hour into the next UTC day, whatever the time now.
        let now = Date().timeIntervalSince1970
        let skew = (86_400 - now.truncatingRemainder(dividingBy: 86_400)) + 3_600
        try await withFakeUpstreams(count: 1, apiKey: BadInputUpstreamTests.upstreamKey) { fakes in
            try await ClusterHarness.withCluster(replicas: 1, prefix: "aam_cluster_skew") { cluster in
                let a = cluster.replicas[0]
                let key = try await BadInputUpstreamTests.setUp(a, fake: fakes[0])
                try await a.adminOK(.PATCH, "/admin/orgs/acme", json: #"{"budgets":[{"period":"daily","tokens":5000}]}"#)
                let b = try await cluster.startReplica("r-skewed", clock: SkewedClock(skew: skew))
                cluster.replicas.append(b)
                try await b.gateway.runtime.registry.syncFromFeed()
                let aligned = try #require(b.gateway.runtime.alignedClock)
                #expect(abs(aligned.offset + skew) < 5, "aligned to the database before serving: offset \(aligned.offset), skew \(skew)")
                var served = 0
                for index in 0..<30 {
                    let replica = index % 2 == 0 ? a : b
                    let reply = try await replica.call("/v1/chat/completions", key: key, json: ClusterBudgetTests.body(index, stream: false))
                    if reply.status == 200 { served += 1 } else { #expect(try reply.errorCode() == "budget_exceeded", "\(reply.text)") }
                }
                print("cluster clock skew: \(served) of 30 calls served with one replica \(Int(skew)) s ahead (5,000-token daily budget)")
                // About 505 tokens a call: 9 fit. Two windows (today's and the skewed replica's
                // tomorrow) would let about 18 through.
                #expect(served <= 9, "the skewed replica spent from another window: \(served) served")
                #expect(served >= 5)
            }
        }
    }
}
