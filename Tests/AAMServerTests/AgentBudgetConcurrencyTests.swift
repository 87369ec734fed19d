import AAMCore
import Foundation
import Testing

@testable import AAMServer

/// A workload's daily budget under concurrent calls: each admitted call holds its estimate
/// until it settles, so calls fired at once cannot pass the budget together.
@Suite struct AgentBudgetConcurrencyTests {
    static let analyst = "spiffe://prod/agent/finance-analyst"

    /// $5 a day; with $1 per output token and `max_tokens: 2`, each call holds (and costs) $2:
    /// two fit, whatever the interleaving.
    static let policy = """
        apiVersion: access.envisionai.dev/v1
        kind: AgentPolicy
        metadata:
          name: finance-analyst-readonly
        spec:
          identity:
            workload: spiffe://prod/agent/finance-analyst
          models:
            allow: [fast]
          budget: { daily_usd: 5 }
        """

    @Test func eightConcurrentCallsAgainstABudgetForTwo() async throws {
        let ca = try WorkloadTestCA(trustDomain: "prod")
        try await WorkloadGateway.with(cas: [ca], mtls: false) { wg in
            try await run(wg.harness, ca: ca)
        }
    }

    private func run(_ g: GatewayHarness, ca: WorkloadTestCA) async throws {
        try await g.adminOK(.POST, "/admin/workloads", json: #"{"spiffeId":"\#(Self.analyst)","owner":"alice","team":"finance","environment":"prod","deployment":"v1","orgId":"acme"}"#)
        let priced = try await g.admin(
            .PUT, "/admin/pricing", json: #"[{"provider":"sim","model":"sim-model","inputPerMillion":"0","outputPerMillion":"1000000","version":"v1"}]"#)
        #expect(priced.status == 200, "\(priced.text)")
        #expect(try await g.putPolicy(Self.policy).status == 201)
        let jwt = try await ca.jwtSVID(subject: Self.analyst)
        let body = #"{"model":"fast","max_tokens":2,"messages":[{"role":"user","content":"hi"}]}"#

        let replies = try await withThrowingTaskGroup(of: GatewayHarness.Reply.self) { group in
            for _ in 0..<8 { group.addTask { try await g.call("/v1/chat/completions", key: jwt, json: body) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let admitted = replies.filter { $0.status == 200 }
        let refused = replies.filter { $0.status != 200 }
        #expect(admitted.count == 2, "\(replies.map(\.status))")
        #expect(refused.count == 6)
        for reply in refused {
            #expect(reply.status == 429, "\(reply.text)")
            #expect(try reply.errorCode() == "budget_exceeded")
        }

        // Every hold was settled or released, and the day's spend is the sum of the settled costs.
        let runtime = g.gateway.runtime
        var settled = Money.zero
        for reply in admitted {
            let record = try await stored(g, try #require(reply.header("x-request-id")))
            settled = settled.saturatingAdding(try Money(parsing: try #require(record.costUSD)))
        }
        #expect(settled == (try Money(parsing: "4")))
        #expect(runtime.agentSpend.outstandingCount == 0)
        let now = runtime.clock.now()
        #expect(runtime.agentSpend.today(Self.analyst, at: now) == settled)
        #expect(runtime.agentSpend.committed(Self.analyst, at: now) == settled)
    }

    /// The stored record of a call (the evidence writer may batch: poll until it is there).
    private func stored(_ g: GatewayHarness, _ requestID: String) async throws -> CallRecord {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if let record = try await g.gateway.stores.calls.call(requestId: requestID) { return record }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw HarnessError("no call record for \(requestID)")
    }
}
