import AAMCore
import AAMTesting
import Foundation
import Testing

@testable import AAMServer

/// A key revoked on one replica while another is streaming with it (issue 14, "bad input and
/// edges"): the stream under way finishes normally, since it was authorized when it began,
/// and the next call on that replica is refused once the revocation has reached it.
@Suite("Cluster: revocation during a stream", .serialized)
struct ClusterRevocationTests {
    @Test("revoked on A while B streams: B's stream ends with [DONE], B's next call is 401", .enabled(if: ClusterFeedTests.enabled))
    func revocationLetsTheStreamFinishAndRefusesTheNextCall() async throws {
        try await withFakeUpstreams(count: 1, apiKey: BadInputUpstreamTests.upstreamKey) { fakes in
            let fake = fakes[0]
            try await ClusterHarness.withCluster(replicas: 2, prefix: "aam_cluster_revoke") { cluster in
                let (a, b) = (cluster.replicas[0], cluster.replicas[1])
                _ = try await BadInputUpstreamTests.setUp(a, fake: fake)
                let key = try await a.issueKey()
                for replica in cluster.replicas { try await replica.gateway.runtime.registry.syncFromFeed() }
                // Every event of the stream is 300 ms after the last: long enough to revoke meanwhile.
                await fake.setDefaultBehaviour(.slowStream(gapMs: 300))
                let body = #"{"model":"solo","max_tokens":8,"stream":true,"messages":[{"role":"user","content":"hi"}]}"#
                let streaming = Task { (try await b.call("/v1/chat/completions", key: key.secret, json: body), ContinuousClock.now) }
                #expect(await fake.waitForRequests(count: 1), "B's stream reached the vendor")

                _ = try await ClusterHarness.propagation(to: b) {
                    try await a.adminOK(.POST, "/admin/keys/\(key.id)/revoke")
                } until: {
                    b.gateway.runtime.snapshots.snapshot.state.keys[key.id]?.revokedAt != nil
                }
                let revokedOnB = ContinuousClock.now
                let (reply, finished) = try await streaming.value
                #expect(finished > revokedOnB, "the revocation reached B while its stream was still running")
                #expect(reply.status == 200, "\(reply.text)")
                #expect(reply.text.contains("data: [DONE]"), "the stream under way ended normally: \(reply.text)")
                #expect(!reply.text.contains("\"error\""), "\(reply.text)")

                await fake.setDefaultBehaviour(.normal)
                let next = try await b.call("/v1/chat/completions", key: key.secret, json: body)
                #expect(next.status == 401, "the next call on B is refused: \(next.text)")
                #expect(await fake.requestCount() == 1, "the refused call never reached the vendor")
            }
        }
    }
}
