import AAMCore
import AAMSecrets
import AAMStorePostgres
import Foundation
import Testing

@testable import AAMServer

/// Three (or N) in-process replicas on one scratch Postgres database, each with its own
/// replica id, spool and control socket, all with the same master key.
struct ClusterHarness {
    let url: PostgresURL
    let master: String
    var replicas: [GatewayHarness]
    /// Extra options every replica starts with (say, a workload trust-bundle directory).
    var configure: @Sendable (inout DaemonOptions) -> Void = { _ in }

    static func withCluster(
        replicas count: Int = 3, prefix: String = "aam_cluster", configure: @escaping @Sendable (inout DaemonOptions) -> Void = { _ in },
        _ body: (inout ClusterHarness) async throws -> Void
    ) async throws {
        guard let server = PostgresDaemonTests.serverURL else {
            Issue.record("AAM_TEST_POSTGRES_URL is not set, and CI requires the Postgres tests: run them through scripts/with-postgres")
            return
        }
        let scratch = try await PostgresDatabaseAdmin.createScratchDatabase(on: server, prefix: prefix)
        var cluster = ClusterHarness(url: scratch, master: MasterKey.generateBase64(), replicas: [], configure: configure)
        do {
            for index in 0..<count { cluster.replicas.append(try await cluster.startReplica("r\(index)")) }
            try await body(&cluster)
        } catch {
            for replica in cluster.replicas { await replica.stop() }
            try? await PostgresDatabaseAdmin.dropDatabase(scratch, via: server)
            throw error
        }
        for replica in cluster.replicas { await replica.stop() }
        try await PostgresDatabaseAdmin.dropDatabase(scratch, via: server)
    }

    func startReplica(_ id: String, master: String? = nil, clock: (any WallClock)? = nil) async throws -> GatewayHarness {
        let spool = FileManager.default.temporaryDirectory.appendingPathComponent("aam-cluster-spool-\(UUID().uuidString.prefix(12))").path
        return try await GatewayHarness.start(database: url.unmaskedString, masterKey: master ?? self.master, clock: clock) { options in
            options.replicaId = id
            options.evidence.spoolDirectory = spool
            configure(&options)
        }
    }

    /// How long a change took to be live on another replica: from sending the admin call, and
    /// from the moment it returned (committed) — the second is the feed's own delay (zero when
    /// the other replica had it before the caller got its answer).
    struct Propagation {
        var fromSend: Duration
        var afterCommit: Duration
    }

    /// Makes `change` (an admin call on some replica) and waits until `condition` holds on
    /// `replica`, re-checking at each configuration event that replica publishes (every feed
    /// sync that changes something is one).
    static func propagation(
        to replica: GatewayHarness, limit: Duration = .seconds(30), of change: () async throws -> Void,
        until condition: @escaping @Sendable () -> Bool
    ) async throws -> Propagation {
        let subscription = replica.gateway.runtime.bus.subscribe()
        defer { subscription.cancel() }
        let started = ContinuousClock.now
        try await change()
        let committed = ContinuousClock.now
        let events = subscription.events
        let reached = try await withDeadline(limit) {
            if condition() { return true }
            for await event in events {
                if case .adminChange = event, condition() { return true }
            }
            return false
        }
        #expect(reached == true, "the change did not reach the replica within \(limit)")
        let now = ContinuousClock.now
        return Propagation(fromSend: now - started, afterCommit: condition() && now > committed ? now - committed : .zero)
    }
}

extension Duration {
    var milliseconds: Double { Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15 }
}
