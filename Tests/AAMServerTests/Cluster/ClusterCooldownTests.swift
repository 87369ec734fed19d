import AAMCore
import AAMTesting
import Foundation
import Testing

@testable import AAMServer

/// A vendor's 429 with a reset time seen by one replica cools the deployment down on every
/// replica (issue 14 item 5): the vendor's limit belongs to the credential, not the replica.
@Suite("Cluster: shared cooldowns", .serialized)
struct ClusterCooldownTests {
    @Test("a 429 on replica A cools the deployment down on B within a second; B answers from the cooldown without asking the vendor", .enabled(if: ClusterFeedTests.enabled))
    func aVendorsRateLimitIsSharedByTheReplicas() async throws {
        try await withFakeUpstreams(count: 1, apiKey: BadInputUpstreamTests.upstreamKey) { fakes in
            let fake = fakes[0]
            try await ClusterHarness.withCluster(replicas: 2) { cluster in
                let (a, b) = (cluster.replicas[0], cluster.replicas[1])
                let key = try await BadInputUpstreamTests.setUp(a, fake: fake)
                // B holds the configuration made on A before the 429 happens.
                try await b.gateway.runtime.registry.syncFromFeed()
                await fake.setDefaultBehaviour(.rateLimited(retryAfterSeconds: 30))
                let subscription = b.gateway.runtime.bus.subscribe()
                defer { subscription.cancel() }
                let started = ContinuousClock.now
                let first = try await a.chat(.chat, model: "solo", key: key)
                #expect(first.status == 429, "\(first.text)")
                let cooled = try await withDeadline(.seconds(30)) { () async -> HealthTransition? in
                    for await event in subscription.events {
                        if case .health(let transition) = event, transition.deploymentID == "solo-only", transition.to == .coolingDown {
                            return transition
                        }
                    }
                    return nil
                }
                let elapsed = ContinuousClock.now - started
                let transition = try #require(cooled ?? nil, "B never cooled solo-only down")
                #expect(transition.reason == .peerRateLimited)
                let remaining = try #require(transition.until).timeIntervalSince(b.gateway.runtime.clock.now())
                #expect(remaining > 20 && remaining <= 30, "B cools down for the vendor's remaining time: \(remaining) s")
                print("cluster cooldown: 429 on A -> cooling_down on B after \(Int(elapsed.milliseconds.rounded())) ms")
                #expect(elapsed <= .seconds(5), "shared within \(elapsed)")

                let before = await fake.requestCount()
                let second = try await b.chat(.chat, model: "solo", key: key)
                #expect(second.status == 429, "\(second.text)")
                #expect(second.header("retry-after").flatMap(Int.init).map { (20...30).contains($0) } == true, "\(second.headers)")
                #expect(await fake.requestCount() == before, "B answered from the shared cooldown without asking the vendor")
            }
        }
    }

    @Test("only a local 429 is relayed, as the remaining time; a peer's message cools down locally and is not echoed")
    func relayMessages() throws {
        let now = Date(timeIntervalSince1970: 2_000_000)
        let local = HealthTransition(deploymentID: "d", from: .closed, to: .coolingDown, reason: .rateLimited, at: now, until: now.addingTimeInterval(7.2))
        let peer = HealthTransition(deploymentID: "d", from: .closed, to: .coolingDown, reason: .peerRateLimited, at: now, until: now.addingTimeInterval(7))
        let open = HealthTransition(deploymentID: "d", from: .closed, to: .open, reason: .failureRatio, at: now, until: now.addingTimeInterval(7))
        func outgoing(_ transition: HealthTransition) -> ClusterHealthRelay.Message? {
            ClusterHealthRelay.outgoing(transition, from: "r0", at: now)
        }
        #expect(outgoing(local)?.remainingMs == 7200 && outgoing(local)?.replica == "r0" && outgoing(local)?.deployment == "d")
        #expect(outgoing(peer) == nil && outgoing(open) == nil)
    }
}
