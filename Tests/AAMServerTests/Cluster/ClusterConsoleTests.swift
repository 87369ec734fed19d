import AAMControlProtocol
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
