import AAMCore
import AAMTesting
import Foundation
import Testing

@testable import AAMServer

/// What else a cluster shares besides the scope chain's budgets (issue 14 items 2 and 3): the
/// budgets of deployments and providers, a deployment's own `rpm` (the vendor's limit, not
/// each replica's), and a workload's AgentPolicy `budget.daily_usd`. Three in-process
/// replicas on one Postgres, calls spread over all of them, many in flight at once.
@Suite("Cluster: deployment budgets, deployment limits and workload budgets", .serialized)
struct ClusterRoutingBudgetTests {
    static func duo(_ index: Int) -> String { DeploymentBudgetTests.body(index) }

    /// Fires `count` calls at once, spread over the replicas; returns each reply.
    static func burst(
        _ cluster: ClusterHarness, count: Int, key: String, body: @escaping @Sendable (Int) -> String
    ) async throws -> [GatewayHarness.Reply] {
        try await withThrowingTaskGroup(of: GatewayHarness.Reply.self) { group in
            for index in 0..<count {
                let replica = cluster.replicas[index % cluster.replicas.count]
                group.addTask { try await replica.call("/v1/chat/completions", key: key, json: body(index)) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    /// Three replicas and a vendor answering after `vendorDelayMs`, alias `duo` (`duo-first`,
    /// then `duo-second`) with `duoFirst` patched onto its first deployment and live on every
    /// replica; then `calls` calls at once on `duo`, spread over the replicas.
    static func burstOnDuo(
        vendorDelayMs: Int, duoFirst patch: String, calls: Int, _ check: (ClusterHarness, [GatewayHarness.Reply]) async throws -> Void
    ) async throws {
        try await withFakeUpstreams(count: 1, apiKey: BadInputUpstreamTests.upstreamKey) { fakes in
            await fakes[0].setDefaultBehaviour(.delay(ms: vendorDelayMs))
            try await ClusterHarness.withCluster(replicas: 3) { cluster in
                let key = try await BadInputUpstreamTests.setUp(cluster.replicas[0], fake: fakes[0])
                try await cluster.replicas[0].adminOK(.PATCH, "/admin/deployments/duo-first", json: patch)
                for replica in cluster.replicas { try await replica.gateway.runtime.registry.syncFromFeed() }
                try await check(cluster, try await burst(cluster, count: calls, key: key, body: duo))
            }
        }
    }

    @Test("a deployment's token budget holds across three replicas; the calls it cannot hold go to the next deployment", .enabled(if: ClusterFeedTests.enabled))
    func deploymentBudgetHoldsAcrossReplicas() async throws {
        try await Self.burstOnDuo(vendorDelayMs: 200, duoFirst: #"{"budgets":[{"period":"daily","tokens":5000}]}"#, calls: 45) { cluster, replies in
            #expect(replies.allSatisfy { $0.status == 200 }, "the second deployment serves what the first cannot: \(replies.map(\.status))")
            let onFirst = replies.filter { $0.header("x-aam-deployment") == "duo-first" }.count
            // Each call settles about 505 tokens: 9 fit in 5,000. Three replicas each
            // granting the whole budget would let about 27 through.
            print("cluster deployment budget: \(onFirst) of 45 calls on duo-first (5,000 tokens, about 505 a call)")
            #expect(onFirst <= 9, "duo-first served \(onFirst) calls: its budget was granted more than once")
            #expect(onFirst >= 3, "most of the budget was usable: \(onFirst)")
            for replica in cluster.replicas { try await replica.gateway.writer.drainNow() }
            let usage = try await cluster.replicas[2].adminOK(.GET, "/admin/usage?groupBy=provider")
            let row = try #require((usage["groups"] as? [[String: Any]])?.first { $0["group"] as? String == "vendor-a" }, "\(usage)")
            let tokens = (row["promptTokens"] as? Int ?? 0) + (row["completionTokens"] as? Int ?? 0)
            #expect(tokens <= 5000, "the cluster's settled tokens on duo-first passed its budget: \(tokens)")
        }
    }

    @Test("a deployment's rpm is the cluster's: three replicas together send it no more than its limit", .enabled(if: ClusterFeedTests.enabled))
    func deploymentRPMHoldsAcrossReplicas() async throws {
        try await Self.burstOnDuo(vendorDelayMs: 100, duoFirst: #"{"rpm":20}"#, calls: 60) { _, replies in
            #expect(replies.allSatisfy { $0.status == 200 }, "\(replies.map(\.status))")
            let onFirst = replies.filter { $0.header("x-aam-deployment") == "duo-first" }.count
            print("cluster deployment rpm: \(onFirst) of 60 calls on duo-first (rpm 20) over 3 replicas")
            // 5 % overshoot of 20 is one call (and the bucket refills a little meanwhile).
            #expect(onFirst <= 22, "duo-first got \(onFirst) calls: each replica granted its rpm again")
            #expect(onFirst >= 18, "no capacity was stranded: \(onFirst) of 20")
        }
    }

    static let analyst = "spiffe://prod/agent/finance-analyst"

    @Test("a workload's daily budget holds across three replicas under concurrent calls", .enabled(if: ClusterFeedTests.enabled))
    func workloadDailyBudgetHoldsAcrossReplicas() async throws {
        let ca = try WorkloadTestCA(trustDomain: "prod")
        let bundles = FileManager.default.temporaryDirectory.appendingPathComponent("aam-cluster-wl-\(UUID().uuidString.prefix(12))")
        try FileManager.default.createDirectory(at: bundles, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: bundles) }
        try ca.writeBundle(into: bundles)
        try await ClusterHarness.withCluster(replicas: 3, configure: { $0.workloads.trustBundleDirectory = bundles.path }) { cluster in
            let a = cluster.replicas[0]
            try await a.addProvider(
                "sim", protocol: "simulated", extra: #""simulation":{"ttftMs":150,"tokensPerSecond":50000,"completionTokens":5,"errorRate":0}"#)
            try await a.addDeployment(alias: "fast", provider: "sim", model: "sim-model")
            try await a.adminOK(.POST, "/admin/workloads", json: #"{"spiffeId":"\#(Self.analyst)","owner":"alice","team":"finance","environment":"prod","deployment":"v1","orgId":"acme"}"#)
            // $1 per output token, `max_tokens: 2`: each call holds and costs exactly $2; $10 a day fits five.
            let priced = try await a.admin(
                .PUT, "/admin/pricing", json: #"[{"provider":"sim","model":"sim-model","inputPerMillion":"0","outputPerMillion":"1000000","version":"v1"}]"#)
            #expect(priced.status == 200, "\(priced.text)")
            let policy = AgentBudgetConcurrencyTests.policy.replacingOccurrences(of: "daily_usd: 5", with: "daily_usd: 10")
            #expect(try await a.putPolicy(policy).status == 201)
            for replica in cluster.replicas { try await replica.gateway.runtime.registry.syncFromFeed() }
            let jwt = try await ca.jwtSVID(subject: Self.analyst)
            let replies = try await Self.burst(cluster, count: 24, key: jwt) { _ in #"{"model":"fast","max_tokens":2,"messages":[{"role":"user","content":"hi"}]}"# }
            let served = replies.filter { $0.status == 200 }
            print("cluster workload budget: \(served.count) of 24 calls served over 3 replicas ($10 a day, $2 a call)")
            for reply in replies where reply.status != 200 {
                #expect(reply.status == 429, "\(reply.text)")
                #expect(try reply.errorCode() == "budget_exceeded", "\(reply.text)")
            }
            // Each replica alone would admit five: fifteen in all.
            #expect(served.count <= 5, "the day's budget was granted more than once: \(served.count) served")
            #expect(served.count >= 2, "most of the budget was usable: \(served.count)")
            for replica in cluster.replicas { try await replica.gateway.writer.drainNow() }
            let usage = try await cluster.replicas[1].adminOK(.GET, "/admin/usage?groupBy=provider")
            let spend = try Money(parsing: try #require((usage["groups"] as? [[String: Any]])?.first?["spendUSD"] as? String, "\(usage)"))
            #expect(spend <= (try Money(parsing: "10")), "settled spend passed the day's budget: \(spend)")
        }
    }
}
