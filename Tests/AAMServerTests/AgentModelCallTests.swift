import AAMCore
import Foundation
import NIOHTTP1
import Testing

@testable import AAMServer

/// A workload's model calls (JWT-SVID bearer over real HTTP) under its AgentPolicy: allowed
/// aliases pass, others get 404 `model_not_found` (recorded as `model_not_allowed_by_policy`), a spent daily budget 429
/// `budget_exceeded`, an identity with no policy 403 `no_policy_for_identity`; each decision is
/// on the call record and on the bus.
@Suite struct AgentModelCallTests {
    static let analyst = "spiffe://prod/agent/finance-analyst"

    static let policy = """
        apiVersion: access.envisionai.dev/v1
        kind: AgentPolicy
        metadata:
          name: finance-analyst-readonly
        spec:
          identity:
            workload: spiffe://prod/agent/finance-analyst
          models:
            allow: [fast, summarization]
          budget: { daily_usd: 75 }
          tools:
            - resource: salesforce.accounts
              actions: [read, search]
              deny: [export, update, delete]
        """

    /// A chat call; `maxTokens` bounds the USD estimate its daily budget holds.
    func chat(_ g: GatewayHarness, jwt: String, model: String, maxTokens: Int? = nil) async throws -> GatewayHarness.Reply {
        let cap = maxTokens.map { #""max_tokens":\#($0),"# } ?? ""
        return try await g.call("/v1/chat/completions", key: jwt, json: #"{"model":"\#(model)",\#(cap)"messages":[{"role":"user","content":"hi"}]}"#)
    }

    /// Prices the simulated model at `outputPerMillion` per million output tokens (input free):
    /// a daily budget in USD refuses unpriced models.
    func price(_ g: GatewayHarness, outputPerMillion: String = "1") async throws {
        let reply = try await g.admin(
            .PUT, "/admin/pricing",
            json: #"[{"provider":"sim","model":"sim-model","inputPerMillion":"0","outputPerMillion":"\#(outputPerMillion)","version":"v1"}]"#)
        #expect(reply.status == 200, "\(reply.text)")
    }

    /// The stored record of a call (the evidence writer may batch: poll until it is there).
    func record(_ g: GatewayHarness, _ requestID: String) async throws -> CallRecord {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if let record = try await g.gateway.stores.calls.call(requestId: requestID) { return record }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw HarnessError("no call record for \(requestID)")
    }

    @Test func modelCallsAreDecidedByThePolicyAndRecorded() async throws {
        let ca = try WorkloadTestCA(trustDomain: "prod")
        try await WorkloadGateway.with(cas: [ca], mtls: false) { wg in
            try await run(wg.harness, ca: ca)
        }
    }

    private func run(_ g: GatewayHarness, ca: WorkloadTestCA) async throws {
        for id in [Self.analyst, "spiffe://prod/agent/stranger"] {
            try await g.adminOK(.POST, "/admin/workloads", json: #"{"spiffeId":"\#(id)","owner":"alice","team":"finance","environment":"prod","deployment":"v1","orgId":"acme"}"#)
        }
        #expect(try await g.putPolicy(Self.policy).status == 201)
        let jwt = try await ca.jwtSVID(subject: Self.analyst)
        // Unpriced under a daily budget in USD: refused, as governance's USD budgets do.
        let unpriced = try await chat(g, jwt: jwt, model: "fast")
        #expect(unpriced.status == 400, "\(unpriced.text)")
        #expect(try unpriced.errorCode() == "model_unpriced")
        #expect(g.gateway.runtime.agentSpend.outstandingCount == 0)
        try await price(g)
        let events = g.gateway.runtime.bus.subscribe()

        // Allowed: the alias is in models.allow.
        let ok = try await chat(g, jwt: jwt, model: "fast")
        #expect(ok.status == 200, "\(ok.text)")
        let okRecord = try await record(g, try #require(ok.header("x-request-id")))
        let evidence = try #require(okRecord.policy)
        #expect(evidence.spiffeId == Self.analyst)
        #expect(evidence.decision == "allow")
        #expect(evidence.policy == "finance-analyst-readonly")
        #expect(evidence.version == 1)
        #expect(evidence.rule == "models.allow")
        #expect(evidence.reason == "model_allowed")
        #expect(evidence.model == "fast")
        var published: PolicyEvidence?
        // The decision is published before the call's own record, which always follows.
        for await event in events.events {
            if case .policyDecision(let requestId, let found) = event, requestId == okRecord.requestId { published = found }
            if case .call(let call) = event, call.requestId == okRecord.requestId { break }
        }
        // Published before the call ends: everything the record has but the latency.
        var decided = evidence
        decided.latencyMs = nil
        #expect(published == decided)

        // Refused: an alias outside models.allow is answered like an unknown alias (the client
        // learns nothing about the gateway's aliases); the record names policy and rule.
        let slow = try await chat(g, jwt: jwt, model: "slow")
        #expect(slow.status == 404, "\(slow.text)")
        #expect(try slow.errorCode() == "model_not_found")
        #expect(try slow.errorMessage() == "The model `slow` does not exist or you do not have access to it.")
        let slowRecord = try await record(g, try #require(slow.header("x-request-id")))
        #expect(slowRecord.status == 404)
        #expect(slowRecord.errorClass == "model_not_allowed_by_policy")
        #expect(slowRecord.policy?.decision == "deny")
        #expect(slowRecord.policy?.rule == "models.allow")
        #expect(slowRecord.policy?.reason == "model_not_allowed")
        #expect(slowRecord.attempts.isEmpty)

        // A new version is named on the next decision.
        let raised = Self.policy.replacingOccurrences(of: "daily_usd: 75", with: "daily_usd: 80")
        #expect(try await g.putPolicy(raised).json()["version"] as? Int == 2)
        let v2 = try await chat(g, jwt: jwt, model: "fast")
        #expect(try await record(g, try #require(v2.header("x-request-id"))).policy?.version == 2)

        // Budget: once the day's spend reaches daily_usd, model calls are refused with 429.
        let now = g.gateway.runtime.clock.now()
        g.gateway.runtime.agentSpend.add(try Money(parsing: "80"), for: Self.analyst, startedAt: now, now: now)
        let broke = try await chat(g, jwt: jwt, model: "fast")
        #expect(broke.status == 429, "\(broke.text)")
        #expect(try broke.errorCode() == "budget_exceeded")
        #expect(broke.header("retry-after").flatMap { Int($0) }.map { $0 > 0 && $0 <= 86_400 } == true)
        let brokeRecord = try await record(g, try #require(broke.header("x-request-id")))
        #expect(brokeRecord.policy?.rule == "budget.daily_usd")
        #expect(brokeRecord.policy?.decision == "deny")

        // Registered, authenticated, but no policy: default deny.
        let strangerJWT = try await ca.jwtSVID(subject: "spiffe://prod/agent/stranger")
        let stranger = try await chat(g, jwt: strangerJWT, model: "fast")
        #expect(stranger.status == 403, "\(stranger.text)")
        #expect(try stranger.errorCode() == "no_policy_for_identity")
        let strangerRecord = try await record(g, try #require(stranger.header("x-request-id")))
        #expect(strangerRecord.policy?.spiffeId == "spiffe://prod/agent/stranger")
        #expect(strangerRecord.policy?.rule == "default-deny")
        #expect(strangerRecord.policy?.policy == nil)
    }

    /// A settled call's cost is charged to the workload's day: the next decision sees it.
    @Test func settledCostsFeedTheDailyBudget() async throws {
        let ca = try WorkloadTestCA(trustDomain: "prod")
        try await WorkloadGateway.with(cas: [ca], mtls: false) { wg in
            let g = wg.harness
            try await g.adminOK(.POST, "/admin/workloads", json: #"{"spiffeId":"\#(Self.analyst)","owner":"alice","team":"finance","environment":"prod","deployment":"v1","orgId":"acme"}"#)
            // $1 per output token: the simulated answer's tokens cost whole dollars, and a call
            // with max_tokens 2 holds $2 while in flight.
            try await price(g, outputPerMillion: "1000000")
            let tight = Self.policy.replacingOccurrences(of: "daily_usd: 75", with: "daily_usd: 6")
            #expect(try await g.putPolicy(tight).status == 201)
            let jwt = try await ca.jwtSVID(subject: Self.analyst)
            let first = try await chat(g, jwt: jwt, model: "fast", maxTokens: 2)
            #expect(first.status == 200, "\(first.text)")
            let firstRecord = try await record(g, try #require(first.header("x-request-id")))
            let cost = try #require(firstRecord.costUSD)
            #expect(try Money(parsing: cost) == Money(parsing: "2"))
            let answer = try await g.evaluate(#"{"spiffeId":"\#(Self.analyst)","model":"fast"}"#)
            #expect(answer["spentTodayUSD"] as? String == (try Money(parsing: cost)).description, "\(answer)")
            // Without max_tokens the estimate is the default output cap (4096 tokens = $4096):
            // more than the day has left, so it is refused before it runs.
            let uncapped = try await chat(g, jwt: jwt, model: "fast")
            #expect(uncapped.status == 429, "\(uncapped.text)")
            // $2 + $2 + $2 = $6: two more calls fit exactly, the next is refused.
            var statuses: [Int] = []
            var refused: GatewayHarness.Reply?
            for _ in 0..<10 {
                let reply = try await chat(g, jwt: jwt, model: "fast", maxTokens: 2)
                statuses.append(reply.status)
                if reply.status != 200 { refused = reply; break }
            }
            #expect(statuses == [200, 200, 429])
            #expect(g.gateway.runtime.agentSpend.today(Self.analyst, at: g.gateway.runtime.clock.now()) == (try Money(parsing: "6")))
            let last = try #require(refused, "never refused")
            #expect(last.status == 429, "\(last.text)")
            #expect(try last.errorCode() == "budget_exceeded")
            #expect(try last.errorMessage().contains("policy 'finance-analyst-readonly' v1 rule budget.daily_usd"), "\(last.text)")
        }
    }

    /// `audit.record: [identity, policy, action, outcome]` (the AgentPolicy example in docs/AGENTS-AND-MCP.md): the stored
    /// record and the published decision carry the floor (which includes the model and, on the
    /// record, the latency) and nothing the list leaves out; a listed `cost` is added to the
    /// record's copy when the call ends.
    @Test func auditRecordShapesTheStoredAndPublishedEvidence() async throws {
        let ca = try WorkloadTestCA(trustDomain: "prod")
        try await WorkloadGateway.with(cas: [ca], mtls: false) { wg in
            let g = wg.harness
            try await g.adminOK(.POST, "/admin/workloads", json: #"{"spiffeId":"\#(Self.analyst)","owner":"alice","team":"finance","environment":"prod","deployment":"v1","orgId":"acme"}"#)
            try await price(g)
            let listed = Self.policy + "\n  audit:\n    record: [identity, policy, action, outcome]\n"
            #expect(try await g.putPolicy(listed).status == 201)
            let jwt = try await ca.jwtSVID(subject: Self.analyst)
            let events = g.gateway.runtime.bus.subscribe()
            for (model, status) in [("fast", 200), ("slow", 404)] {
                let reply = try await chat(g, jwt: jwt, model: model, maxTokens: 4)
                #expect(reply.status == status, "\(reply.text)")
                let requestID = try #require(reply.header("x-request-id"))
                let stored = try #require(try await record(g, requestID).policy)
                #expect(stored.spiffeId == Self.analyst)
                #expect(stored.kind == "model")
                #expect(stored.decision == (status == 200 ? "allow" : "deny"))
                #expect(stored.policy == "finance-analyst-readonly")
                #expect(stored.version == 1)
                #expect(stored.rule == nil)
                #expect(stored.reason == nil)
                #expect(stored.model == model)
                #expect(stored.latencyMs != nil)
                #expect(stored.costUSD == nil)
                var published: PolicyEvidence?
                for await event in events.events {
                    if case .policyDecision(let requestId, let found) = event, requestId == requestID { published = found }
                    if case .call(let call) = event, call.requestId == requestID { break }
                }
                // The decision is published before the call ends, so without the latency.
                var decided = stored
                decided.latencyMs = nil
                #expect(published == decided)
            }
            // The refusal tells the caller nothing about the alias (like an unknown one); the
            // record still names the rule.
            let slow = try await chat(g, jwt: jwt, model: "slow")
            #expect(try slow.errorMessage() == "The model `slow` does not exist or you do not have access to it.")
            let slowRecord = try await record(g, try #require(slow.header("x-request-id")))
            #expect(slowRecord.policy?.decision == "deny" && slowRecord.errorClass == "model_not_allowed_by_policy")

            let timed = Self.policy + "\n  audit:\n    record: [cost]\n"
            #expect(try await g.putPolicy(timed).status == 200)
            let reply = try await chat(g, jwt: jwt, model: "fast", maxTokens: 4)
            #expect(reply.status == 200, "\(reply.text)")
            let call = try await record(g, try #require(reply.header("x-request-id")))
            let evidence = try #require(call.policy)
            #expect(evidence.latencyMs == call.latencyMs)
            #expect(evidence.costUSD == call.costUSD)
            #expect(evidence.costUSD != nil)
            #expect(evidence.rule == nil)
        }
    }

    @Test func aShadowPolicyAllowsButRecordsWhatItWouldDeny() async throws {
        let ca = try WorkloadTestCA(trustDomain: "prod")
        try await WorkloadGateway.with(cas: [ca], mtls: false) { wg in
            let g = wg.harness
            try await g.adminOK(.POST, "/admin/workloads", json: #"{"spiffeId":"\#(Self.analyst)","owner":"alice","team":"finance","environment":"prod","deployment":"v1","orgId":"acme"}"#)
            let shadow = Self.policy.replacingOccurrences(of: "  models:", with: "  mode: shadow\n  models:")
            #expect(try await g.putPolicy(shadow).status == 201)
            let reply = try await chat(g, jwt: try await ca.jwtSVID(subject: Self.analyst), model: "slow")
            #expect(reply.status == 200, "\(reply.text)")
            let record = try await record(g, try #require(reply.header("x-request-id")))
            #expect(record.policy?.decision == "allow")
            #expect(record.policy?.reason == "shadow_only")
            #expect(record.policy?.wouldDeny?.rule == "models.allow")
            #expect(record.policy?.wouldDeny?.policy == "finance-analyst-readonly")
        }
    }
}
