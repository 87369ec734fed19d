import AAMControlProtocol
import AAMCore
import Foundation
import NIOHTTP1
import Testing

@testable import AAMServer

/// AgentPolicy decisions on the control socket: the pure decision aggregator and event mapping,
/// then end to end: a workload (JWT-SVID over real HTTP) refused by its policy shows up as a
/// `policyDecision` event for a subscriber, on the call row, and in the `agents` query's counts.
@Suite("Control socket: agents and policy decisions")
struct ControlAgentsTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    static let analyst = "spiffe://prod/agent/finance-analyst"

    static func evidence(_ decision: String, at time: Date, identity: String = analyst, rule: String = "models.allow",
                         wouldDeny: PolicyEvidence.WouldDeny? = nil) -> PolicyEvidence {
        PolicyEvidence(spiffeId: identity, kind: "model", model: "fast", decision: decision, policy: "p", version: 2, rule: rule,
                       reason: decision == "allow" ? "model_allowed" : "model_not_allowed", wouldDeny: wouldDeny, at: time)
    }

    // MARK: Pure

    @Test func decisionsAreCountedPerIdentityAndTheLatestIsKept() {
        var activity = PolicyActivity()
        #expect(activity.counts(of: Self.analyst) == PolicyActivity.Counts())
        let first = ControlEventMapper.decisionRow(Self.evidence("allow", at: Self.t0), requestId: "r1")
        let second = ControlEventMapper.decisionRow(Self.evidence("deny", at: Self.t0.addingTimeInterval(2)), requestId: "r2")
        // Published out of order (concurrent calls): the later decision stays the last one.
        let older = ControlEventMapper.decisionRow(Self.evidence("allow", at: Self.t0.addingTimeInterval(1)), requestId: "r3")
        let other = ControlEventMapper.decisionRow(Self.evidence("deny", at: Self.t0, identity: "spiffe://prod/x"), requestId: "r4")
        for row in [first, second, older, other] { activity.record(row) }
        let counts = activity.counts(of: Self.analyst)
        #expect(counts.allowed == 2 && counts.denied == 1)
        #expect(counts.last?.requestId == "r2")
        #expect(activity.counts(of: "spiffe://prod/x").denied == 1)
        #expect(activity.recent.map(\.requestId) == ["r4", "r3", "r2", "r1"])
        for index in 0..<(PolicyActivity.recentKept + 5) {
            activity.record(ControlEventMapper.decisionRow(Self.evidence("allow", at: Self.t0), requestId: "x\(index)"))
        }
        #expect(activity.recent.count == PolicyActivity.recentKept)
    }

    @Test func decisionsMapToEventsAndCallRowsCarryIdentityAndPolicy() throws {
        let shadow = Self.evidence("allow", at: Self.t0, wouldDeny: .init(policy: "trial", version: 1, rule: "models.allow", reason: "model_not_allowed"))
        let event = try #require(ControlEventMapper.event(.policyDecision(requestId: "r9", evidence: shadow), at: Self.t0.addingTimeInterval(5)))
        #expect(event.kind == .policyDecision)
        let row = try #require(event.policyDecision)
        #expect(row.requestId == "r9" && row.time == Self.t0 && row.spiffeId == Self.analyst)
        #expect(row.decision == "allow" && row.policy == "p" && row.version == 2 && row.rule == "models.allow")
        #expect(row.model == "fast" && row.kind == "model" && row.wouldDenyRule == "models.allow")

        var record = CallRecord(
            requestId: "r9", startedAt: Self.t0, keyId: nil, keyPrefix: nil, orgId: "acme", teamId: nil, projectId: nil,
            endpoint: "/v1/chat/completions", alias: "fast", provider: nil, deployment: nil, status: 403, outcome: .rejected,
            promptTokens: 0, completionTokens: 0, latencyMs: 1, attempts: [], guardrails: [])
        #expect(ControlEventMapper.callRow(record).identity == nil && ControlEventMapper.callRow(record).policy == nil)
        record.policy = Self.evidence("deny", at: Self.t0)
        let call = ControlEventMapper.callRow(record)
        #expect(call.identity == Self.analyst)
        #expect(call.policy == "p v2: deny models.allow")
        record.policy = shadow
        #expect(ControlEventMapper.callRow(record).policy == "p v2: allow models.allow (shadow would deny models.allow)")
        // A tool call has no alias: its row names the tool; a model call's upstream model is not shown as one.
        var tool = record
        tool.endpoint = "/mcp/crm"
        tool.alias = nil
        tool.upstreamModel = "get_account"
        #expect(ControlEventMapper.callRow(tool).alias == "get_account")
        record.alias = nil
        record.upstreamModel = "gpt-4o"
        #expect(ControlEventMapper.callRow(record).alias == nil)
        // Old peers: the new members are left out of the JSON when nil.
        let plain = try JSONEncoder().encode(ControlEventMapper.callRow(CallRecord(
            requestId: "r1", startedAt: Self.t0, keyId: "k", keyPrefix: "sk", orgId: nil, teamId: nil, projectId: nil,
            endpoint: "/v1/chat/completions", alias: "fast", provider: nil, deployment: nil, status: 200, outcome: .success,
            promptTokens: 0, completionTokens: 0, latencyMs: 1, attempts: [], guardrails: [])))
        let json = String(decoding: plain, as: UTF8.self)
        #expect(!json.contains("identity") && !json.contains("policy"))
    }

    // MARK: End to end

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
          budget: { daily_usd: 75 }
        """

    @Test func aPolicyDenialReachesSubscribersAndTheAgentsQuery() async throws {
        let ca = try WorkloadTestCA(trustDomain: "prod")
        try await WorkloadGateway.with(cas: [ca], mtls: false) { wg in
            try await run(wg.harness, ca: ca)
        }
    }

    private func run(_ g: GatewayHarness, ca: WorkloadTestCA) async throws {
        try await g.adminOK(
            .POST, "/admin/workloads",
            json: #"{"spiffeId":"\#(Self.analyst)","owner":"alice","team":"finance","environment":"prod","deployment":"v1","orgId":"acme"}"#)
        #expect(try await g.putPolicy(Self.policy).status == 201)
        // A daily budget in USD refuses unpriced models: price the simulated one.
        #expect(try await g.admin(.PUT, "/admin/pricing", json: #"[{"provider":"sim","model":"sim-model","inputPerMillion":"0","outputPerMillion":"1","version":"v1"}]"#).status == 200)
        let client = try await connectControl(g)
        defer { client.close() }
        try await client.subscribe()
        let jwt = try await ca.jwtSVID(subject: Self.analyst)
        func chat(_ model: String) async throws -> GatewayHarness.Reply {
            try await g.call("/v1/chat/completions", key: jwt, json: #"{"model":"\#(model)","messages":[{"role":"user","content":"hi"}]}"#)
        }

        let denied = try await chat("slow")
        #expect(denied.status == 404, "\(denied.text)")
        let deniedID = try #require(denied.header("x-request-id"))
        let decision = try #require(try await firstEvent(client) { $0.event?.policyDecision?.requestId == deniedID }.event?.policyDecision)
        #expect(decision.spiffeId == Self.analyst && decision.decision == "deny")
        #expect(decision.policy == "finance-analyst-readonly" && decision.version == 1 && decision.rule == "models.allow")
        #expect(decision.model == "slow" && decision.kind == "model")
        let call = try #require(try await firstEvent(client) { $0.event?.call?.requestId == deniedID }.event?.call)
        #expect(call.identity == Self.analyst)
        #expect(call.policy == "finance-analyst-readonly v1: deny models.allow")
        #expect(call.keyPrefix == nil)
        #expect(!call.policy!.contains(jwt) && !(call.keyPrefix ?? "").contains("ey"))

        let allowed = try await chat("fast")
        #expect(allowed.status == 200, "\(allowed.text)")
        let allowedID = try #require(allowed.header("x-request-id"))
        _ = try await firstEvent(client) { $0.event?.call?.requestId == allowedID }

        // The daemon's counters are fed by its own bus subscriber: poll until both are counted.
        var row: AgentRow?
        try await eventually("both decisions counted in the agents query") {
            row = try await client.query(.agents).agents?.first { $0.spiffeId == Self.analyst }
            return row?.allowed == 1 && row?.denied == 1
        }
        let agent = try #require(row)
        #expect(agent.owner == "alice" && agent.team == "finance" && agent.environment == "prod")
        #expect(agent.policy == "finance-analyst-readonly" && agent.policyVersion == 1 && agent.policyMode == "enforce")
        #expect(agent.allowedModels == ["fast"])
        #expect(agent.dailyBudgetUSD.flatMap(Double.init) == 75)
        #expect(agent.spentTodayUSD != nil)
        #expect(agent.lastDecision?.requestId == allowedID && agent.lastDecision?.decision == "allow")
    }
}
