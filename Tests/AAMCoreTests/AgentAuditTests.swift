import AAMCore
import Foundation
import Testing

/// `spec.audit.record` shaping `PolicyEvidence`: the floor is always there, the other fields
/// only when listed, `parameters` only on request with secrets masked and a cap; absent fields
/// stay absent through JSON and the SIEM mapping.
@Suite struct AgentAuditTests {
    typealias F = AgentFixtures

    static func policy(_ fields: [AuditField]?, name: String = "p") -> AgentPolicy {
        var policy = AgentPolicy(
            name: name, version: 4, subject: .exact(F.analyst), models: ModelGrant(allow: ["fast"]),
            tools: [ToolGrant(resource: "crm.accounts", actions: ["read"], deny: ["export"])])
        if let fields { policy.auditFields = fields }
        return policy
    }

    static func evidence(_ fields: [AuditField]?, _ request: DecisionRequest) -> PolicyEvidence {
        PolicyEvidence(F.engine(policy(fields)).decide(request), for: request)
    }

    @Test func theFinanceAnalystListRecordsTheFloorOnly() {
        let fields: [AuditField] = [.identity, .policy, .action, .outcome]
        let model = Self.evidence(fields, F.model(F.analyst, "fast"))
        #expect(model.spiffeId == F.analyst.description)
        #expect(model.kind == "model")
        #expect(model.decision == "allow")
        #expect(model.policy == "p")
        #expect(model.version == 4)
        #expect(model.at == F.t0)
        #expect(model.rule == nil)
        #expect(model.reason == nil)
        #expect(model.model == "fast")
        let tool = Self.evidence(fields, F.tool(F.analyst, "crm.accounts", "export", .object(["id": .string("1")])))
        #expect(tool.decision == "deny")
        #expect(tool.action == "export")
        #expect(tool.resource == "crm.accounts")
        #expect(tool.rule == nil)
        #expect(tool.parameters == nil)
    }

    @Test func theFloorIsRecordedEvenWhenNotListed() {
        let evidence = Self.evidence([.rule], F.tool(F.analyst, "crm.accounts", "read"))
        #expect(evidence.spiffeId == F.analyst.description)
        #expect(evidence.kind == "tool")
        #expect(evidence.decision == "allow")
        #expect(evidence.policy == "p")
        #expect(evidence.version == 4)
        #expect(evidence.rule == "tools[0].actions[read]")
        #expect(evidence.reason == nil)
        #expect(evidence.action == "read")
        #expect(evidence.resource == "crm.accounts")
        #expect(evidence.costUSD == nil)
        #expect(AuditSelection([]).fields == [.identity, .policy, .version, .model, .resource, .action, .outcome, .latency])
    }

    @Test func withoutAnAuditSectionTheDefaultsApplyAndParametersAreNeverRecorded() {
        let tool = Self.evidence(nil, F.tool(F.analyst, "crm.accounts", "read", .object(["q": .string("acme")])))
        #expect(tool.rule == "tools[0].actions[read]")
        #expect(tool.reason == "granted")
        #expect(tool.resource == "crm.accounts")
        #expect(tool.action == "read")
        #expect(tool.parameters == nil)
        #expect(tool.latencyMs == nil)
        let model = Self.evidence(nil, F.model(F.analyst, "fast"))
        #expect(model.model == "fast")
        // No policy at all: the defaults too.
        let request = F.model(F.id("spiffe://prod/agent/stranger"), "fast")
        let stranger = PolicyEvidence(F.engine(Self.policy(nil)).decide(request), for: request)
        #expect(stranger.rule == "default-deny")
        #expect(stranger.policy == nil)
    }

    @Test func listedParametersAreCompactJSONWithSecretsMasked() throws {
        let jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
        let arguments: JSONValue = .object([
            "account": .string("acme"),
            "limit": .number(10),
            "auth": .object(["password": .string("hunter2"), "header": .string("Bearer \(jwt)")]),
            "note": .string("use key sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCD please"),
            "ids": .array([.string("a"), .bool(true), .null]),
        ])
        let evidence = Self.evidence([.parameters], F.tool(F.analyst, "crm.accounts", "read", arguments))
        let text = try #require(evidence.parameters)
        #expect(evidence.parametersTruncated == nil)
        #expect(!text.contains("hunter2"))
        #expect(!text.contains(jwt))
        #expect(!text.contains("sk-proj-abcdefghijklmnopqrstuvwxyz"))
        #expect(text.contains(#""password":"[SECRET]""#))
        #expect(text.contains("[JWT]"))
        #expect(text.contains("use key [API_KEY] please"))
        #expect(text.hasPrefix(#"{"account":"acme","auth":{"#))
        #expect(text.contains(#""ids":["a",true,null]"#))
        #expect(text.contains(#""limit":10"#))
        // Parameters are a tool-call field: a model call has none to record.
        #expect(Self.evidence([.parameters], F.model(F.analyst, "fast")).parameters == nil)
    }

    @Test func longParametersAreCutAtTheCapOnACharacterBoundary() throws {
        let long = String(repeating: "é", count: 3000)  // 6000 bytes
        let recorded = RecordedArguments(.object(["text": .string(long)]))
        #expect(recorded.truncated)
        #expect(recorded.text.utf8.count <= RecordedArguments.limit)
        #expect(recorded.text.utf8.count >= RecordedArguments.limit - 1)
        #expect(recorded.text.hasPrefix(#"{"text":"éé"#))
        let evidence = Self.evidence([.parameters], F.tool(F.analyst, "crm.accounts", "read", .object(["text": .string(long)])))
        #expect(evidence.parametersTruncated == true)
        #expect(evidence.parameters == recorded.text)
        #expect(!RecordedArguments(.object(["a": .string("b")])).truncated)
    }

    @Test func latencyIsAddedWhenTheCallEndsAndCostOnlyIfListed() {
        var listed = Self.evidence([.cost], F.model(F.analyst, "fast"))
        var unlisted = Self.evidence(nil, F.model(F.analyst, "fast"))
        let published = listed
        listed.completeCall(latencyMs: 12.5, costUSD: "0.0021")
        unlisted.completeCall(latencyMs: 12.5, costUSD: "0.0021")
        #expect(listed.latencyMs == 12.5)
        #expect(listed.costUSD == "0.0021")
        #expect(published.latencyMs == nil)
        #expect(unlisted.latencyMs == 12.5)  // the floor
        #expect(unlisted.costUSD == nil)
    }

    @Test func absentFieldsStayOutOfTheJSONAndRoundTrip() throws {
        let evidence = Self.evidence([.action], F.tool(F.analyst, "crm.accounts", "read"))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(evidence), as: UTF8.self)
        #expect(!json.contains("null"))
        #expect(!json.contains("rule"))
        #expect(!json.contains("reason"))
        #expect(json.contains(#""resource":"crm.accounts""#))
        let decoded = try JSONDecoder().decode(PolicyEvidence.self, from: Data(json.utf8))
        #expect(decoded == evidence)
        // Evidence written before the audit shaping (rule and reason always there) still reads.
        let old = #"{"spiffeId":"spiffe://prod/a","kind":"model","model":"fast","decision":"allow","policy":"p","version":1,"rule":"models.allow","reason":"model_allowed","at":0}"#
        #expect(try JSONDecoder().decode(PolicyEvidence.self, from: Data(old.utf8)).rule == "models.allow")
    }

    @Test func theSIEMEventLeavesOutWhatThePolicyDidNotRecord() throws {
        let normalizer = SIEMNormalizer(productVersion: "test", deploymentProviders: [:])
        for request in [F.model(F.analyst, "fast"), F.tool(F.analyst, "crm.accounts", "read")] {
            let evidence = Self.evidence([.identity], request)
            let event = try #require(normalizer.normalize(.policyDecision(requestId: "r1", evidence: evidence), observedAt: F.t0))
            #expect(!event.json.contains("null"), "\(event.json)")
            #expect(!event.json.contains("unknown"), "\(event.json)")
            #expect(!event.json.contains(#""rule""#))
            #expect(!event.json.contains(#""reason""#))
            #expect(event.json.contains(#""policy":{"name":"p","version":"4"}"#), "\(event.json)")
            #expect(event.json.contains(#""uid":"spiffe://prod/agent/finance-analyst""#))
        }
    }

    @Test func aShadowFindingIsShapedByTheShadowPolicysList() {
        var shadow = Self.policy([.identity], name: "candidate")
        shadow.mode = .shadow
        shadow.tools = [ToolGrant(resource: "crm.accounts", deny: ["read"])]
        let request = F.tool(F.analyst, "crm.accounts", "read")
        let evidence = PolicyEvidence(F.engine(Self.policy(nil), shadow).decide(request), for: request)
        #expect(evidence.rule == "tools[0].actions[read]")
        #expect(evidence.wouldDeny == PolicyEvidence.WouldDeny(policy: "candidate", version: 4, rule: nil, reason: nil))
    }
}
