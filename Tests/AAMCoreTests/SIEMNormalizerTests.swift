import AAMCore
import Foundation
import Testing

@Suite("SIEM normalizer")
struct SIEMNormalizerTests {
    static let at = Date(timeIntervalSince1970: 1_800_000_000.25)
    static let normalizer = SIEMNormalizer(productVersion: "test", deploymentProviders: ["d1": "openai"])
    static let metadataTail = #""metadata":{"version":"1.3.0","product":{"name":"Agent Access Manager","vendor_name":"AAM","version":"test"}"#

    @Test("a served call: API activity, allowed, success, key actor, alias resource, request id")
    func call() throws {
        var record = CallRecord(
            requestId: "req-1", startedAt: Self.at, keyId: "k_1", keyPrefix: "sk-aam-Ab12", orgId: "acme", teamId: "platform",
            endpoint: "/v1/chat/completions", alias: "fast", provider: "openai", deployment: "d1", upstreamModel: "gpt-4o-mini",
            status: 200, outcome: .success, promptTokens: 12, completionTokens: 7, latencyMs: 150.4, ttftMs: 40.6, streamed: true,
            attempts: [.init(deployment: "d1", provider: "openai", status: 200, errorClass: nil, latencyMs: 150)])
        record.costUSD = "0.0001"
        let event = try #require(Self.normalizer.normalize(.call(record), observedAt: .distantFuture))
        #expect(event.kind == .call)
        #expect(event.requestID == "req-1")
        #expect(event.json == #"{"category_uid":6,"category_name":"Application Activity","class_uid":6003,"class_name":"API Activity","activity_id":99,"activity_name":"Other","type_uid":600399,"time":1800000000250,"severity_id":1,"severity":"Informational","activity_detail":"model_call","status_id":1,"status":"Success","decision":"allowed","outcome":"success","actor":{"type":"virtual_key","uid":"k_1","name":"sk-aam-Ab12","org_uid":"acme","team_uid":"platform"},"resource":{"type":"model_alias","name":"fast","provider":"openai","deployment":"d1","upstream_model":"gpt-4o-mini"},"api":{"operation":"/v1/chat/completions","response":{"code":200}},"duration":150,"unmapped":{"call_outcome":"success","prompt_tokens":12,"completion_tokens":7,"ttft_ms":41,"streamed":true,"attempts":1,"cost_usd":"0.0001"},"#
            + Self.metadataTail + #","correlation_uid":"req-1"}}"#)
    }

    @Test("a rejected call is denied and a failure; an upstream error is allowed and a failure")
    func callDecisions() throws {
        let rejected = CallRecord(requestId: "r", startedAt: Self.at, endpoint: "/v1/messages", status: 401, outcome: .rejected, errorClass: "invalid_api_key")
        let denied = try #require(Self.normalizer.normalize(.call(rejected), observedAt: Self.at))
        #expect(denied.body["decision"] == .string("denied"))
        #expect(denied.body["outcome"] == .string("failure"))
        #expect(denied.body["actor"] == .object([("type", .string("anonymous"))]))
        let failed = CallRecord(requestId: "r", startedAt: Self.at, keyId: "k", endpoint: "/v1/messages", alias: "fast", status: 503, outcome: .upstreamError)
        let event = try #require(Self.normalizer.normalize(.call(failed), observedAt: Self.at))
        #expect(event.body["decision"] == .string("allowed"))
        #expect(event.body["status"] == .string("Failure"))
        #expect(event.severityID == 2)
    }

    @Test("a guardrail block: detection finding, denied, no matched text")
    func guardrail() throws {
        let decision = GuardrailDecision(detector: .apiKey, direction: .request, action: .block, count: 1, location: "messages[1].content")
        let event = try #require(Self.normalizer.normalize(.guardrailHit(requestId: "req-2", decision: decision), observedAt: Self.at))
        #expect(event.kind == .guardrail)
        #expect(event.json == #"{"category_uid":2,"category_name":"Findings","class_uid":2004,"class_name":"Detection Finding","activity_id":1,"activity_name":"Create","type_uid":200401,"time":1800000000250,"severity_id":3,"severity":"Medium","decision":"denied","outcome":"success","disposition":"Blocked","actor":{"type":"gateway","name":"guardrails"},"resource":{"type":"request","name":"messages[1].content"},"finding_info":{"title":"guardrail detector api_key","types":["api_key"],"action":"block","direction":"request","count":1},"#
            + Self.metadataTail + #","correlation_uid":"req-2"}}"#)
    }

    @Test("an admin change: entity management with actor and target split into type and name")
    func adminChange() throws {
        let event = try #require(Self.normalizer.normalize(.adminChange(actor: "admin-token:ab12cd34", action: "key.revoke", target: "key:k_9"), observedAt: Self.at))
        #expect(event.kind == .admin)
        #expect(event.json == #"{"category_uid":3,"category_name":"Identity & Access Management","class_uid":3004,"class_name":"Entity Management","activity_id":4,"activity_name":"Delete","type_uid":300404,"time":1800000000250,"severity_id":2,"severity":"Low","decision":"allowed","outcome":"success","actor":{"type":"admin-token","name":"ab12cd34"},"resource":{"type":"key","name":"k_9"},"api":{"operation":"key.revoke"},"#
            + Self.metadataTail + "}}")
        let create = try #require(Self.normalizer.normalize(.adminChange(actor: "config:aam.yaml", action: "alias.put", target: "alias:fast"), observedAt: Self.at))
        #expect(create.body["activity_id"] == .int(3))
        #expect(create.severityID == 1)
    }

    @Test("a health change names the deployment, its provider and the operator action")
    func health() throws {
        let transition = HealthTransition(
            deploymentID: "d1", from: .closed, to: .credentialInvalid, reason: .credentialInvalid, at: Self.at,
            until: Self.at.addingTimeInterval(300), operatorEvent: .credentialRejected(status: 401))
        let event = try #require(Self.normalizer.normalize(.health(transition), observedAt: .distantFuture))
        #expect(event.kind == .health)
        #expect(event.severityID == 4)
        #expect(event.json == #"{"category_uid":6,"category_name":"Application Activity","class_uid":6002,"class_name":"Application Lifecycle","activity_id":99,"activity_name":"Other","type_uid":600299,"time":1800000000250,"severity_id":4,"severity":"High","activity_detail":"health_change","outcome":"failure","actor":{"type":"gateway","name":"health"},"resource":{"type":"deployment","name":"d1","provider":"openai"},"state":{"from":"closed","to":"credential_invalid","reason":"credential_invalid","until":1800000300250,"operator_action":{"required":"replace_credential","status":401}},"#
            + Self.metadataTail + "}}")
    }

    @Test("a policy decision fits the same shape (authorize session, denied)")
    func policy() {
        let decision = SIEMPolicyDecision(
            at: Self.at, requestID: "req-3", subject: "spiffe://corp/agent", policy: "crm", policyVersion: "4", rule: "no-export",
            resource: "crm.customer", action: "export", allowed: false, reason: "export denied")
        let event = Self.normalizer.normalize(decision)
        #expect(event.kind == .policy)
        #expect(event.json == #"{"category_uid":3,"category_name":"Identity & Access Management","class_uid":3003,"class_name":"Authorize Session","activity_id":99,"activity_name":"Other","type_uid":300399,"time":1800000000250,"severity_id":3,"severity":"Medium","activity_detail":"policy_decision","decision":"denied","outcome":"success","actor":{"type":"workload","uid":"spiffe://corp/agent"},"resource":{"type":"business_resource","name":"crm.customer","action":"export"},"policy":{"name":"crm","version":"4","rule":"no-export","reason":"export denied"},"#
            + Self.metadataTail + #","correlation_uid":"req-3"}}"#)
    }

    @Test("a published policy decision on a model call maps to model:<alias>, the call action and the deciding rule")
    func policyDecisionEvent() throws {
        let evidence = PolicyEvidence(
            spiffeId: "spiffe://corp/agent", kind: "model", model: "gpt-big", decision: "deny", policy: "finance",
            version: 2, rule: "models.allow", reason: "model_not_allowed", at: Self.at)
        let event = try #require(Self.normalizer.normalize(.policyDecision(requestId: "req-9", evidence: evidence), observedAt: Self.at))
        #expect(event.kind == .policy)
        #expect(event.json.contains(#""decision":"denied""#))
        #expect(event.json.contains(#""resource":{"type":"business_resource","name":"model:gpt-big","action":"call"}"#))
        #expect(event.json.contains(#""policy":{"name":"finance","version":"2","rule":"models.allow","reason":"model_not_allowed"}"#))
        #expect(event.json.contains(#""correlation_uid":"req-9""#))
    }

    @Test("an unpriced model is a low-severity lifecycle event")
    func unpriced() throws {
        let event = try #require(Self.normalizer.normalize(.modelUnpriced(provider: "openai", model: "gpt-x"), observedAt: Self.at))
        #expect(event.kind == .pricing)
        #expect(event.body["resource"] == .object([("type", .string("provider_model")), ("name", .string("gpt-x")), ("provider", .string("openai"))]))
    }

    @Test("an evidence spool alarm is a high-severity event with the backlog and its limit")
    func spoolAlarm() throws {
        let event = try #require(Self.normalizer.normalize(.spoolAlarm(backlogBytes: 800, limitBytes: 1000), observedAt: Self.at))
        #expect(event.kind == .evidence)
        #expect(event.severityID == 4)
        #expect(event.body["resource"] == .object([("type", .string("evidence_spool")), ("backlog_bytes", .int(800)), ("limit_bytes", .int(1000))]))
    }

    @Test("strings are JSON-escaped (control characters, quotes, line separators)")
    func escaping() {
        let value = SIEMValue.object([("a", .string("q\"\\\n\u{01}\u{2028}é")), ("skip", nil), ("n", .double(0.5))])
        #expect(value.json == #"{"a":"q\"\\\n\u0001\u2028é","n":0.5}"#)
    }
}
