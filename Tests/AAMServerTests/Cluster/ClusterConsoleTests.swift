import AAMControlProtocol
import AAMTesting
import Foundation
import Testing

@testable import AAMServer

/// The console's view of the cluster over a real control socket: the `replicas` query and the
/// cluster line of `status` answer from the roster the heartbeat service keeps in memory.
@Suite("Cluster on the control socket")
struct ClusterConsoleTests {
    @Test(.timeLimit(.minutes(3)))
    func replicasQueryListsEveryReplicaFromTheRoster() async throws {
        try await ClusterHarness.withCluster(replicas: 2, prefix: "aam_cluster_console") { cluster in
            let client = try await connectControl(cluster.replicas[0])
            defer { client.close() }
            // r0 re-reads the registry after each heartbeat (every 2 s): wait for a read that has
            // r1 with the address it bound (its first row, written before it listened, has port 0).
            let r1Port = try #require(URL(string: cluster.replicas[1].baseURL)?.port)
            var roster: ReplicaRoster?
            try await eventually("r1 and its bound port in r0's roster", deadline: .seconds(30)) {
                roster = try await client.query(.replicas).replicas
                let r1 = roster?.replicas.first { $0.id == "r1" }
                return Set(roster?.replicas.map(\.id) ?? []) == ["r0", "r1"] && r1?.listen.hasSuffix(":\(r1Port)") == true
            }
            let answer = try #require(roster)
            #expect(answer.clustered && answer.store == "Postgres")
            #expect(answer.readError == nil && (answer.readAgeSeconds ?? 99) < 10)
            #expect(answer.replicas.filter(\.isSelf).map(\.id) == ["r0"])
            #expect(answer.replicas.allSatisfy { $0.live && ($0.heartbeatAgeSeconds ?? 99) < 10 && $0.version == ReplicaIdentity.softwareVersion })

            let health = try #require(try await client.query(.status).status?.cluster)
            #expect(health.replicaId == "r0" && health.live == 2 && health.total == 2)
            #expect(!health.isConfigStale, "\(health.configStaleSeconds)")

            // A replica that stops gracefully leaves the registry, and r0's roster with it.
            await cluster.replicas.removeLast().stop()
            try await eventually("r1 gone from r0's roster", deadline: .seconds(30)) {
                try await client.query(.replicas).replicas?.replicas.map(\.id) == ["r0"]
            }
            let after = try #require(try await client.query(.status).status?.cluster)
            #expect(after.live == 1 && after.total == 1)
        }
    }

    /// The Spend view of one replica shows the budget windows of the whole cluster: spend made
    /// on r1 appears on r0 once r1 has reported it (on a lease renewal, at most 10 s after),
    /// for a scope budget and a deployment budget alike.
    @Test(.timeLimit(.minutes(3)), .enabled(if: ClusterFeedTests.enabled))
    func spendViewShowsTheClustersBudgets() async throws {
        try await withFakeUpstreams(count: 1, apiKey: BadInputUpstreamTests.upstreamKey) { fakes in
            try await ClusterHarness.withCluster(replicas: 2, prefix: "aam_cluster_spend") { cluster in
                let (r0, r1) = (cluster.replicas[0], cluster.replicas[1])
                let key = try await BadInputUpstreamTests.setUp(r0, fake: fakes[0])
                try await r0.adminOK(.PATCH, "/admin/orgs/acme", json: #"{"budgets":[{"id":"daily","period":"daily","tokens":100000}]}"#)
                try await r0.adminOK(.PATCH, "/admin/deployments/duo-first", json: #"{"budgets":[{"period":"daily","tokens":100000}]}"#)
                for replica in cluster.replicas { try await replica.gateway.runtime.registry.syncFromFeed() }
                for index in 0..<3 {
                    let reply = try await r1.call("/v1/chat/completions", key: key, json: DeploymentBudgetTests.body(index))
                    #expect(reply.status == 200, "\(reply.text)")
                }
                let client = try await connectControl(r0)
                defer { client.close() }
                var rows: [SpendRow] = []
                try await eventually("r1's spend on r0's Spend view", deadline: .seconds(60)) {
                    rows = try await client.query(.spend).spend ?? []
                    let org = rows.first { $0.kind == "org" && $0.id == "acme" }?.budgets.first?.tokens ?? 0
                    let deployment = rows.first { $0.kind == "deployment" && $0.id == "duo-first" }?.budgets.first?.tokens ?? 0
                    return org >= 1200 && deployment >= 1200
                }
                let org = try #require(rows.first { $0.kind == "org" && $0.id == "acme" })
                #expect(org.budgets.first?.tokens ?? 0 <= 1700, "three calls of about 505 tokens: \(org)")
                #expect(rows.contains { $0.kind == "deployment" && $0.id == "duo-first" && $0.parent == "vendor-a" })
            }
        }
    }

    @Test
    func aSingleNodeListsItselfAloneAndHasNoClusterLine() async throws {
        try await withGateway { g in
            let client = try await connectControl(g)
            defer { client.close() }
            let roster = try #require(try await client.query(.replicas).replicas)
            #expect(!roster.clustered && roster.store == "memory")
            #expect(roster.replicas.count == 1)
            let me = try #require(roster.replicas.first)
            #expect(me.isSelf && me.live && me.heartbeatAgeSeconds == nil)
            let port = try #require(URL(string: g.baseURL)?.port)
            #expect(me.listen.hasSuffix(":\(port)"), "\(me.listen)")
            let status = try #require(try await client.query(.status).status)
            #expect(status.cluster == nil)
        }
    }
}
