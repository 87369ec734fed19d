import AAMCore
import Foundation
import NIOHTTP1
import Testing

@testable import AAMServer

/// AgentPolicy through the admin API over real HTTP: apply (YAML and JSON), validation errors
/// naming the field, versions, delete, audit, and evaluate answering the seed example as the
/// issue lists it, naming the rule that decided.
@Suite struct PolicyAdminTests {
    static let seedPath = PersistenceTests.repositoryRoot.appendingPathComponent("sample-data/policies/finance-analyst-readonly.yaml").path
    static var seedText: String { (try? String(contentsOfFile: seedPath, encoding: .utf8)) ?? "" }
    static let analyst = "spiffe://prod/agent/finance-analyst"

    static func withGateway(database: String = "memory", _ body: (GatewayHarness) async throws -> Void) async throws {
        let harness = try await GatewayHarness.start(database: database)
        do { try await body(harness) } catch {
            await harness.stop()
            throw error
        }
        await harness.stop()
    }

    @Test func appliesTheSeedPolicyAsYAMLAndShowsItsVersionAndMode() async throws {
        try await Self.withGateway { g in
            let put = try await g.putPolicy(Self.seedText)
            #expect(put.status == 201, "\(put.text)")
            let view = try put.json()
            #expect(view["name"] as? String == "finance-analyst-readonly")
            #expect(view["version"] as? Int == 1)
            #expect(view["mode"] as? String == "enforce")
            #expect(view["created"] as? Bool == true)
            #expect(view["workload"] as? String == Self.analyst)
            #expect(view["models"] as? [String] == ["reasoning-high", "summarization"])
            #expect(view["dailyBudgetUSD"] as? String == "75.00")

            let list = try await g.admin(.GET, "/admin/policies")
            let rows = try #require(JSONSerialization.jsonObject(with: Data(list.bytes)) as? [[String: Any]])
            #expect(rows.map { $0["name"] as? String } == ["finance-analyst-readonly"])
            #expect(rows.first?["version"] as? Int == 1)
            #expect(rows.first?["document"] == nil)

            let one = try await g.adminOK(.GET, "/admin/policies/finance-analyst-readonly")
            #expect(one["document"] as? String == Self.seedText)
            #expect(one["mode"] as? String == "enforce")
            let missing = try await g.admin(.GET, "/admin/policies/nope")
            #expect(missing.status == 404)
        }
    }

    @Test func versionsBumpOnEachChangeNotOnAnEquivalentReapplyAndSurviveDelete() async throws {
        try await Self.withGateway { g in
            #expect(try await g.putPolicy(Self.seedText).json()["version"] as? Int == 1)
            // Same meaning, other formatting: nothing changes.
            let reformatted = Self.seedText.replacingOccurrences(of: "{ daily_usd: 75 }", with: "\n    daily_usd: 75.00")
            let same = try await g.putPolicy(reformatted)
            #expect(same.status == 200)
            #expect(try same.json()["version"] as? Int == 1)
            #expect(try same.json()["changed"] as? Bool == false)
            // A change bumps the version, and decisions name the new one.
            let raised = Self.seedText.replacingOccurrences(of: "daily_usd: 75", with: "daily_usd: 80")
            let second = try await g.putPolicy(raised)
            #expect(second.status == 200)
            #expect(try second.json()["version"] as? Int == 2)
            #expect(try second.json()["changed"] as? Bool == true)
            let third = try await g.putPolicy(Self.seedText)
            #expect(try third.json()["version"] as? Int == 3)
            let decision = try await g.evaluate(#"{"spiffeId":"\#(Self.analyst)","model":"summarization"}"#)
            #expect(decision["version"] as? Int == 3)

            let deleted = try await g.admin(.DELETE, "/admin/policies/finance-analyst-readonly")
            #expect(deleted.status == 204)
            #expect(try await g.admin(.GET, "/admin/policies/finance-analyst-readonly").status == 404)
            #expect(try await g.admin(.DELETE, "/admin/policies/finance-analyst-readonly").status == 404)
            let afterDelete = try await g.evaluate(#"{"spiffeId":"\#(Self.analyst)","model":"summarization"}"#)
            #expect(afterDelete["decision"] as? String == "deny")
            #expect(afterDelete["reason"] as? String == "no_policy_for_identity")
            // Re-created: the count goes on, so v1..v3 keep naming the texts they named.
            let again = try await g.putPolicy(Self.seedText)
            #expect(again.status == 201)
            #expect(try again.json()["version"] as? Int == 4)

            // Every change is in the audit trail, under the policy's target.
            let audit = try await g.auditEntries("target=policy:finance-analyst-readonly").entries
            let actions = audit.map { $0["action"] as? String ?? "" }
            #expect(actions.filter { $0 == "policy.apply" }.count >= 4, "\(actions)")
            #expect(actions.contains("policy.delete"), "\(actions)")
            let versions = audit.compactMap { ($0["after"] as? String).flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }?["version"] as? Int }
            #expect(versions == [1, 2, 3, 3, 4], "\(audit)")
        }
    }

    @Test func acceptsTheJSONFormWithTheSameFieldNames() async throws {
        try await Self.withGateway { g in
            let json = #"""
                {"apiVersion":"access.envisionai.dev/v1","kind":"AgentPolicy","metadata":{"name":"json-agent"},
                 "spec":{"identity":{"workload":"spiffe://prod/agent/json"},"models":{"allow":["fast"]},
                         "tools":[{"resource":"crm.leads","actions":["read"]}]}}
                """#
            let put = try await g.send(.PUT, "/admin/policies", body: Array(json.utf8), headers: g.adminHeaders("application/json"))
            #expect(put.status == 201, "\(put.text)")
            #expect(try put.json()["name"] as? String == "json-agent")
            let decision = try await g.evaluate(#"{"spiffeId":"spiffe://prod/agent/json","resource":"crm.leads","action":"read"}"#)
            #expect(decision["decision"] as? String == "allow")
            #expect(decision["rule"] as? String == "tools[0].actions[read]")
        }
    }

    @Test func badPoliciesAreRefusedWith400NamingTheField() async throws {
        try await Self.withGateway { g in
            let budget = Self.seedText.replacingOccurrences(of: "daily_usd: 75", with: "daily_usd: plenty")
            let reply = try await g.putPolicy(budget)
            #expect(reply.status == 400)
            let error = try #require(try reply.json()["error"] as? [String: Any])
            #expect(error["param"] as? String == "spec.budget.daily_usd", "\(reply.text)")
            #expect(error["code"] as? String == "invalid_policy")
            #expect((error["message"] as? String)?.contains("expected a decimal amount like 75 or 12.50, got 'plenty' (line 10, column") == true, "\(reply.text)")

            let contradiction = Self.seedText.replacingOccurrences(of: "actions: [read, search]", with: "actions: [read, search, export]")
            let both = try await g.putPolicy(contradiction)
            #expect(both.status == 400)
            #expect(try both.errorMessage().contains("action 'export' is also in actions"), "\(both.text)")
            #expect(try (both.json()["error"] as? [String: Any])?["param"] as? String == "spec.tools[0].deny[0]")

            let exposed = Self.seedText.replacingOccurrences(of: "expose_to_agent: false", with: "expose_to_agent: true")
            let exposedReply = try await g.putPolicy(exposed)
            #expect(exposedReply.status == 400)
            #expect(try (exposedReply.json()["error"] as? [String: Any])?["param"] as? String == "spec.credentials.expose_to_agent")

            let badID = Self.seedText.replacingOccurrences(of: "spiffe://prod/agent/finance-analyst", with: "spiffe://Prod/agent/finance-analyst")
            let badIDReply = try await g.putPolicy(badID)
            #expect(badIDReply.status == 400)
            #expect(try (badIDReply.json()["error"] as? [String: Any])?["param"] as? String == "spec.identity.workload")

            let empty = try await g.putPolicy("   \n")
            #expect(empty.status == 400)
            #expect(try (empty.json()["error"] as? [String: Any])?["param"] as? String == "body")
            // Nothing was applied by any of them.
            #expect(try await g.admin(.GET, "/admin/policies").text == "[]")
        }
    }

    @Test func evaluateAnswersTheSeedExampleAsTheIssueListsIt() async throws {
        try await Self.withGateway { g in
            #expect(try await g.putPolicy(Self.seedText).status == 201)
            for action in ["read", "search"] {
                let answer = try await g.evaluate(#"{"spiffeId":"\#(Self.analyst)","resource":"salesforce.accounts","action":"\#(action)"}"#)
                #expect(answer["decision"] as? String == "allow", "\(answer)")
                #expect(answer["policy"] as? String == "finance-analyst-readonly")
                #expect(answer["version"] as? Int == 1)
                #expect(answer["rule"] as? String == "tools[0].actions[\(action)]")
                #expect(answer["reason"] as? String == "granted")
            }
            for action in ["export", "update", "delete"] {
                let answer = try await g.evaluate(#"{"spiffeId":"\#(Self.analyst)","resource":"salesforce.accounts","action":"\#(action)","arguments":{"id":"001"}}"#)
                #expect(answer["decision"] as? String == "deny", "\(answer)")
                #expect(answer["rule"] as? String == "tools[0].deny[\(action)]")
                #expect(answer["reason"] as? String == "explicitly_denied")
                #expect(answer["explanation"] as? String
                    == "denied by finance-analyst-readonly v1 rule tools[0].deny[\(action)]: action \(action) on salesforce.accounts is explicitly denied")
            }
            let other = try await g.evaluate(#"{"spiffeId":"\#(Self.analyst)","resource":"salesforce.opportunities","action":"read"}"#)
            #expect(other["decision"] as? String == "deny")
            #expect(other["rule"] as? String == "default-deny")
            #expect(other["reason"] as? String == "not_granted")

            for model in ["reasoning-high", "summarization"] {
                let answer = try await g.evaluate(#"{"spiffeId":"\#(Self.analyst)","model":"\#(model)"}"#)
                #expect(answer["decision"] as? String == "allow", "\(answer)")
                #expect(answer["rule"] as? String == "models.allow")
                #expect(answer["spentTodayUSD"] as? String == "0.00")
            }
            let fast = try await g.evaluate(#"{"spiffeId":"\#(Self.analyst)","model":"fast"}"#)
            #expect(fast["decision"] as? String == "deny")
            #expect(fast["rule"] as? String == "models.allow")
            #expect(fast["reason"] as? String == "model_not_allowed")
            #expect((fast["explanation"] as? String)?.contains("model alias fast is not in models.allow (reasoning-high, summarization)") == true, "\(fast)")

            // Spend beyond $75 today: the budget refuses, and says so.
            let now = g.gateway.runtime.clock.now()
            g.gateway.runtime.agentSpend.add(try Money(parsing: "74.99"), for: Self.analyst, startedAt: now, now: now)
            let under = try await g.evaluate(#"{"spiffeId":"\#(Self.analyst)","model":"summarization"}"#)
            #expect(under["decision"] as? String == "allow")
            #expect(under["spentTodayUSD"] as? String == "74.99")
            g.gateway.runtime.agentSpend.add(try Money(parsing: "0.02"), for: Self.analyst, startedAt: now, now: now)
            let over = try await g.evaluate(#"{"spiffeId":"\#(Self.analyst)","model":"summarization"}"#)
            #expect(over["decision"] as? String == "deny", "\(over)")
            #expect(over["rule"] as? String == "budget.daily_usd")
            #expect(over["reason"] as? String == "budget_exceeded")
            #expect(over["explanation"] as? String
                == "denied by finance-analyst-readonly v1 rule budget.daily_usd: spent or held $75.01 today against a daily budget of $75.00")

            let stranger = try await g.evaluate(#"{"spiffeId":"spiffe://prod/agent/stranger","model":"summarization"}"#)
            #expect(stranger["decision"] as? String == "deny")
            #expect(stranger["rule"] as? String == "default-deny")
            #expect(stranger["reason"] as? String == "no_policy_for_identity")
            #expect(stranger["policy"] == nil)
        }
    }

    @Test func shadowModeAllowsAndReportsWhatItWouldDeny() async throws {
        try await Self.withGateway { g in
            let shadow = Self.seedText
                .replacingOccurrences(of: "finance-analyst-readonly", with: "candidate")
                .replacingOccurrences(of: "  models:", with: "  mode: shadow\n  models:")
            let put = try await g.putPolicy(shadow)
            #expect(put.status == 201, "\(put.text)")
            #expect(try put.json()["mode"] as? String == "shadow")
            let answer = try await g.evaluate(#"{"spiffeId":"\#(Self.analyst)","resource":"salesforce.accounts","action":"export"}"#)
            #expect(answer["decision"] as? String == "allow", "\(answer)")
            #expect(answer["reason"] as? String == "shadow_only")
            let would = try #require(answer["wouldDeny"] as? [String: Any])
            #expect(would["policy"] as? String == "candidate")
            #expect(would["rule"] as? String == "tools[0].deny[export]")
            #expect(would["mode"] as? String == "shadow")
        }
    }

    @Test func evaluateRefusesMalformedQuestionsNamingTheField() async throws {
        try await Self.withGateway { g in
            let cases: [(String, String)] = [
                (#"{"model":"fast"}"#, "spiffeId"),
                (#"{"spiffeId":"spiffe://Prod/x","model":"fast"}"#, "spiffeId"),
                (#"{"spiffeId":"spiffe://prod/x"}"#, "resource"),
                (#"{"spiffeId":"spiffe://prod/x","resource":"crm.leads"}"#, "action"),
                (#"{"spiffeId":"spiffe://prod/x","model":"fast","resource":"crm.leads"}"#, "resource"),
                (#"{"spiffeId":"spiffe://prod/x","model":"fast","tool":"x"}"#, "tool"),
            ]
            for (body, field) in cases {
                let reply = try await g.admin(.POST, "/admin/policies/evaluate", json: body)
                #expect(reply.status == 400, "\(body) -> \(reply.text)")
                #expect(try (reply.json()["error"] as? [String: Any])?["param"] as? String == field, "\(body) -> \(reply.text)")
            }
        }
    }

    @Test func appliedPoliciesAndVersionsSurviveARestart() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("aam-policy-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let database = "sqlite:" + dir.appendingPathComponent("aam.db").path
        let masterKey = MasterKeyFixture.key
        do {
            let g = try await GatewayHarness.start(database: database, masterKey: masterKey)
            _ = try await g.putPolicy(Self.seedText)
            _ = try await g.putPolicy(Self.seedText.replacingOccurrences(of: "daily_usd: 75", with: "daily_usd: 80"))
            await g.stop()
        }
        let g = try await GatewayHarness.start(database: database, masterKey: masterKey)
        let one = try await g.adminOK(.GET, "/admin/policies/finance-analyst-readonly")
        #expect(one["version"] as? Int == 2)
        #expect(one["dailyBudgetUSD"] as? String == "80.00")
        let answer = try await g.evaluate(#"{"spiffeId":"\#(Self.analyst)","resource":"salesforce.accounts","action":"export"}"#)
        #expect(answer["version"] as? Int == 2)
        #expect(answer["decision"] as? String == "deny")
        await g.stop()
    }
}

extension PolicyAdminTests {
    /// The daily spend of a workload is in memory; a restart rebuilds it from today's stored
    /// call records, so a restart does not hand an agent a fresh budget.
    @Test func todaysWorkloadSpendIsRebuiltFromStoredCallsAtStart() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("aam-policy-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let database = "sqlite:" + dir.appendingPathComponent("aam.db").path
        do {
            let g = try await GatewayHarness.start(database: database, masterKey: MasterKeyFixture.key)
            _ = try await g.putPolicy(Self.seedText)
            let now = g.gateway.runtime.clock.now()
            func spent(_ id: String, _ usd: String, at: Date, identity: String = Self.analyst) -> CallRecord {
                var record = CallRecord(requestId: id, startedAt: at, endpoint: "/v1/chat/completions", status: 200, outcome: .success)
                record.costUSD = usd
                record.policy = PolicyEvidence(
                    spiffeId: identity, kind: "model", model: "summarization", decision: "allow", policy: "finance-analyst-readonly",
                    version: 1, rule: "models.allow", reason: "model_allowed", at: at)
                return record
            }
            try await g.gateway.stores.calls.append([
                spent("req_a", "40.00", at: now), spent("req_b", "35.50", at: now),
                // Yesterday's spend and a virtual-key call do not count.
                spent("req_c", "500", at: now.addingTimeInterval(-2 * 86_400)),
                CallRecord(requestId: "req_d", startedAt: now, endpoint: "/v1/chat/completions", status: 200, outcome: .success),
            ])
            await g.stop()
        }
        let g = try await GatewayHarness.start(database: database, masterKey: MasterKeyFixture.key)
        let answer = try await g.evaluate(#"{"spiffeId":"\#(Self.analyst)","model":"summarization"}"#)
        #expect(answer["spentTodayUSD"] as? String == "75.50", "\(answer)")
        #expect(answer["decision"] as? String == "deny")
        #expect(answer["rule"] as? String == "budget.daily_usd")
        await g.stop()
    }
}

/// A fixed master key, so a restarted gateway can open what the first one sealed.
enum MasterKeyFixture {
    static let key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
}

extension GatewayHarness {
    func adminHeaders(_ contentType: String) -> [(String, String)] {
        [("authorization", "Bearer \(GatewayHarness.adminToken)"), ("content-type", contentType)]
    }

    /// `PUT /admin/policies` with a YAML body.
    func putPolicy(_ yaml: String) async throws -> Reply {
        try await send(.PUT, "/admin/policies", body: Array(yaml.utf8), headers: adminHeaders("application/yaml"))
    }

    /// `POST /admin/policies/evaluate`, which must answer 200.
    func evaluate(_ json: String) async throws -> [String: Any] {
        let reply = try await admin(.POST, "/admin/policies/evaluate", json: json)
        #expect(reply.status == 200, "\(json) -> \(reply.text)")
        return try reply.json()
    }
}
