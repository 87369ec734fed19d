import AAMCore
import AAMSecrets
import AAMTesting
import Foundation
import Testing

@testable import AAMServer

/// Budgets on providers and deployments (issue 14 item 2): routing passes over a deployment
/// whose own budget, or whose provider's, cannot hold the call, like one at its rate limit,
/// and moves on; only when nothing with budget left can serve is the call refused (429
/// `budget_exceeded`). The served deployment is charged its real spend, the others nothing.
@Suite("Provider and deployment budgets", .serialized)
struct DeploymentBudgetTests {
    /// About 505 tokens settled per call (2,000 bytes of prompt, the fake counts 500, plus
    /// 5 output tokens); the gateway reserves about 535.
    static func body(_ index: Int) -> String {
        ClusterBudgetTests.body(index, stream: false)
            .replacingOccurrences(of: #""model":"solo""#, with: #""model":"duo""#)
    }

    func settled(_ g: GatewayHarness, _ scope: GovernanceScope, _ budget: Budget) -> Spend {
        let runtime = g.gateway.runtime
        return runtime.governance.usage(of: budget, on: scope, at: runtime.clock.now()).settled
    }

    @Test("a spent deployment budget moves calls to the next deployment; a spent provider budget too; then 429 budget_exceeded")
    func routingPassesOverSpentBudgets() async throws {
        try await withFakeUpstreams(count: 1, apiKey: BadInputUpstreamTests.upstreamKey) { fakes in
            try await withGateway { g in
                let fake = fakes[0]
                let key = try await BadInputUpstreamTests.setUp(g, fake: fake)
                // Room for one call on duo-first; vendor-b (duo-second's provider) for one more.
                let first = try await g.adminOK(.PATCH, "/admin/deployments/duo-first", json: #"{"budgets":[{"period":"daily","tokens":1000}]}"#)
                #expect((first["budgets"] as? [[String: Any]])?.first?["tokens"] as? Int == 1000, "shown in the input form: \(first)")
                let provider = try await g.adminOK(.PATCH, "/admin/providers/vendor-b", json: #"{"budgets":[{"period":"monthly","tokens":1000}]}"#)
                #expect((provider["budgets"] as? [[String: Any]])?.first?["period"] as? String == "monthly", "\(provider)")

                let one = try await g.call("/v1/chat/completions", key: key, json: Self.body(1))
                #expect(one.status == 200, "\(one.text)")
                #expect(one.header("x-aam-deployment") == "duo-first")
                let two = try await g.call("/v1/chat/completions", key: key, json: Self.body(2))
                #expect(two.status == 200, "\(two.text)")
                #expect(two.header("x-aam-deployment") == "duo-second", "duo-first's budget cannot hold a second call")
                let sent = await fake.requestCount()
                #expect(sent == 2)

                let three = try await g.call("/v1/chat/completions", key: key, json: Self.body(3))
                #expect(three.status == 429, "\(three.text)")
                #expect(try three.errorCode() == "budget_exceeded")
                #expect(three.text.contains("deployment:duo-first") && three.text.contains("provider:vendor-b"), "names both budgets: \(three.text)")
                let retry = try #require(three.header("retry-after").flatMap(Int.init), "retry when the first budget starts over")
                #expect(retry >= 1 && retry <= 86_400)
                #expect(await fake.requestCount() == sent, "nothing was sent upstream")
                try await Self.expectEachCharged(g)
            }
        }
    }

    /// duo-first settled the first call, vendor-b the second, and each only its own.
    static func expectEachCharged(_ g: GatewayHarness) async throws {
        let state = g.gateway.runtime.snapshots.snapshot.state
        let test = DeploymentBudgetTests()
        let deploymentBudget = try #require(state.deployments["duo-first"]?.budgets?.first)
        let providerBudget = try #require(state.providers["vendor-b"]?.budgets?.first)
        let onFirst = test.settled(g, GovernanceScope(.deployment, "duo-first"), deploymentBudget)
        let onVendorB = test.settled(g, GovernanceScope(.provider, "vendor-b"), providerBudget)
        #expect(onFirst.tokens > 400 && onFirst.tokens <= 1000, "\(onFirst)")
        #expect(onVendorB.tokens > 400 && onVendorB.tokens <= 1000, "\(onVendorB)")
    }

    @Test("a USD budget on a deployment without a price passes it over (model_unpriced), never serves it for free")
    func unpricedDeploymentWithAUSDBudgetIsPassedOver() async throws {
        try await withFakeUpstreams(count: 1, apiKey: BadInputUpstreamTests.upstreamKey) { fakes in
            try await withGateway { g in
                let key = try await BadInputUpstreamTests.setUp(g, fake: fakes[0])
                try await g.adminOK(.PATCH, "/admin/deployments/duo-first", json: #"{"budgets":[{"period":"daily","usd":"1"}]}"#)
                let reply = try await g.call("/v1/chat/completions", key: key, json: Self.body(1))
                #expect(reply.status == 200, "\(reply.text)")
                #expect(reply.header("x-aam-deployment") == "duo-second")
                // Priced: duo-first serves again, and its dollars are counted.
                let price = #"[{"provider":"vendor-a","model":"gpt-4o-mini","inputPerMillion":"1","outputPerMillion":"1","version":"t"}]"#
                #expect(try await g.admin(.PUT, "/admin/pricing", json: price).status == 200)
                let priced = try await g.call("/v1/chat/completions", key: key, json: Self.body(2))
                #expect(priced.header("x-aam-deployment") == "duo-first", "\(priced.text)")
                let budget = try #require(g.gateway.runtime.snapshots.snapshot.state.deployments["duo-first"]?.budgets?.first)
                #expect(settled(g, GovernanceScope(.deployment, "duo-first"), budget).usd > .zero)
            }
        }
    }

    @Test("budgets on deployments and providers: shown, replaced, removed, and bad ones refused with the field named")
    func adminBudgetFields() async throws {
        try await withFakeUpstreams(count: 1, apiKey: BadInputUpstreamTests.upstreamKey) { fakes in
            try await withGateway { g in
                _ = try await BadInputUpstreamTests.setUp(g, fake: fakes[0])
                let created = try await g.admin(
                    .POST, "/admin/deployments",
                    json: #"{"id":"capped","alias":"duo","provider":"vendor-a","upstreamModel":"gpt-4o","budgets":[{"period":"weekly","usd":"12.50"}]}"#)
                #expect(created.status == 201, "\(created.text)")
                let shown = try await g.adminOK(.GET, "/admin/deployments/capped")
                let budget = try #require((shown["budgets"] as? [[String: Any]])?.first, "\(shown)")
                #expect(budget["usd"] as? String == "12.5" || budget["usd"] as? String == "12.50", "\(budget)")
                #expect(budget["period"] as? String == "weekly")
                let alias = try await g.admin(.GET, "/admin/aliases")
                #expect(alias.text.contains(#""period":"weekly""#), "the alias listing shows deployment budgets the same way: \(alias.text)")
                let removed = try await g.adminOK(.PATCH, "/admin/deployments/capped", json: #"{"budgets":[]}"#)
                #expect(removed["budgets"] == nil, "\(removed)")
                let bad = try await g.admin(.PATCH, "/admin/deployments/capped", json: #"{"budgets":[{"period":"hourly","usd":"1"}]}"#)
                #expect(bad.status == 400, "\(bad.text)")
                #expect(bad.text.contains("budgets[0]"), "\(bad.text)")
                let badProvider = try await g.admin(.PATCH, "/admin/providers/vendor-a", json: #"{"budgets":[{"period":"daily","usd":"lots"}]}"#)
                #expect(badProvider.status == 400, "\(badProvider.text)")
                #expect(g.gateway.runtime.snapshots.snapshot.state.providers["vendor-a"]?.budgets == nil, "a refused change changes nothing")
            }
        }
    }

    @Test("a deployment's spend survives a restart and is not counted twice (SQLite)")
    func deploymentSpendSurvivesARestart() async throws {
        let directory = try GovernanceRestartTests().temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = "sqlite:\(directory.path)/aam.db"
        let master = MasterKey.generateBase64()
        try await withFakeUpstreams(count: 1, apiKey: BadInputUpstreamTests.upstreamKey) { fakes in
            var spent = Spend.zero
            let first = try await GatewayHarness.start(database: database, masterKey: master)
            do {
                let key = try await BadInputUpstreamTests.setUp(first, fake: fakes[0])
                try await first.adminOK(.PATCH, "/admin/deployments/duo-first", json: #"{"budgets":[{"period":"daily","tokens":1000}]}"#)
                let reply = try await first.call("/v1/chat/completions", key: key, json: Self.body(1))
                #expect(reply.header("x-aam-deployment") == "duo-first", "\(reply.text)")
                let budget = try #require(first.gateway.runtime.snapshots.snapshot.state.deployments["duo-first"]?.budgets?.first)
                spent = settled(first, GovernanceScope(.deployment, "duo-first"), budget)
                #expect(spent.tokens > 400)
                try await first.gateway.writer.drainNow()
            } catch {
                await first.stop()
                throw error
            }
            await first.stop()
            for restart in 1...2 {
                let next = try await GatewayHarness.start(database: database, masterKey: master)
                do {
                    let budget = try #require(next.gateway.runtime.snapshots.snapshot.state.deployments["duo-first"]?.budgets?.first)
                    #expect(settled(next, GovernanceScope(.deployment, "duo-first"), budget) == spent, "restart \(restart)")
                } catch {
                    await next.stop()
                    throw error
                }
                await next.stop()
            }
        }
    }
}
