import AAMConfig
import AAMCore
import Foundation
import Testing

/// What `PolicyLoader` builds from a policy text: the model the engine compiles.
@Suite struct PolicyLoaderTests {
    /// `sample-data/policies/finance-analyst-readonly.yaml`, the AgentPolicy example docs/AGENTS-AND-MCP.md shows.
    static var samplePath: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("sample-data/policies/finance-analyst-readonly.yaml").path
    }

    @Test func sampleFinanceAnalystPolicyLoadsAsWritten() throws {
        let policy = try PolicyLoader.load(path: Self.samplePath)
        #expect(policy.name == "finance-analyst-readonly")
        #expect(policy.version == 1)
        #expect(policy.subject == .exact(try SPIFFEID("spiffe://prod/agent/finance-analyst")))
        #expect(policy.mode == .enforce)
        #expect(policy.models == ModelGrant(allow: ["reasoning-high", "summarization"]))
        #expect(policy.dailyBudget == (try Money(dollars: 75)))
        #expect(policy.tools == [ToolGrant(resource: "salesforce.accounts", actions: ["read", "search"], deny: ["export", "update", "delete"])])
        #expect(policy.credentials == CredentialHandling(injection: .runtime, exposeToAgent: false))
        #expect(policy.auditFields == [.identity, .policy, .action, .outcome])
    }

    @Test func sampleIsTheSameTextAsTheGoodFixture() throws {
        let sample = try String(contentsOfFile: Self.samplePath, encoding: .utf8)
        let fixture = try String(contentsOf: PolicyFixtures.url("good", "finance-analyst-readonly.yaml"), encoding: .utf8)
        #expect(sample == fixture)
    }

    @Test func constraintsShadowModeAndPatternSubjectAreRead() throws {
        let policy = try PolicyFixtures.load("good", "payments-constrained.yaml")
        #expect(policy.subject == .below(try SPIFFEID("spiffe://prod/agent/payments")))
        #expect(policy.mode == .shadow)
        #expect(policy.models?.allow == ["*"])
        #expect(policy.dailyBudget == (try Money(parsing: "12.50")))
        #expect(policy.tools.map(\.resource) == ["erp.payments", "*"])
        #expect(policy.tools[1].deny == ["delete"])
        let create = try #require(policy.tools[0].constraints["create"])
        #expect(create.map(\.description) == [
            "amount<=1000", "amount>=0.01", "record.type:oneOf(invoice,credit_note)", "currency==USD",
            "reference:pattern(INV-[0-9]{6})", "approved==true",
        ])
        #expect(create[5].test == .equals(.bool(true)))
        #expect(create[3].test == .equals(.string("USD")))
        #expect(policy.auditFields.contains(.latency))
    }

    @Test func jsonAndYamlSpellingsGiveTheSamePolicy() throws {
        let json = try PolicyFixtures.load("good", "json-form.json")
        let yaml = try PolicyLoader.load(
            text: """
                apiVersion: access.envisionai.dev/v1
                kind: AgentPolicy
                metadata: { name: support-bot }
                spec:
                  identity: { workload: spiffe://staging.example.com/ns/support/sa/bot }
                  models: { allow: [summarization] }
                  budget: { daily_usd: 5 }
                  tools:
                    - resource: zendesk.tickets
                      actions: [read, comment]
                      deny: [delete]
                      constraints:
                        comment: [{ argument: visibility, oneOf: [internal] }]
                  credentials: { injection: runtime, expose_to_agent: false }
                  audit: { record: [identity, policy, action, outcome] }
                """, file: "inline.yaml")
        #expect(json == yaml)
    }

    @Test func quotedAndPlainScalarsKeepTheirTypesInConstraints() throws {
        let policy = try PolicyLoader.load(
            text: """
                apiVersion: access.envisionai.dev/v1
                kind: AgentPolicy
                metadata: { name: types }
                spec:
                  identity: { workload: spiffe://prod/agent/a }
                  tools:
                    - resource: erp.payments
                      actions: [create]
                      constraints:
                        create:
                          - { argument: code, equals: "1000" }
                          - { argument: count, equals: 1000 }
                          - { argument: kind, oneOf: [1, "two", false] }
                """, file: "types.yaml")
        let constraints = try #require(policy.tools.first?.constraints["create"])
        #expect(constraints[0].test == .equals(.string("1000")))
        #expect(constraints[1].test == .equals(.number(1000)))
        #expect(constraints[2].test == .oneOf([.number(1), .string("two"), .bool(false)]))
    }

    @Test func missingFileIsReportedWithoutPosition() {
        #expect(throws: ConfigErrors([ConfigError(file: "/nonexistent/p.yaml", field: "", message: "cannot read the file (no such file)")])) {
            _ = try PolicyLoader.load(path: "/nonexistent/p.yaml")
        }
    }

    @Test func emptyDocumentIsRefused() {
        #expect(throws: ConfigErrors([ConfigError(file: "body", field: "", message: "the document is empty (expected an AgentPolicy)")])) {
            _ = try PolicyLoader.load(text: "# nothing\n", file: "body")
        }
    }

    @Test func aPolicyWithOnlyASubjectDeniesEverythingByDefault() throws {
        let policy = try PolicyFixtures.load("good", "minimal.yaml")
        #expect(policy.models == nil)
        #expect(policy.tools.isEmpty)
        #expect(policy.dailyBudget == nil)
        #expect(policy.auditFields == AuditField.defaults)
        let engine = try PolicyEngine(policies: [policy])
        let id = try SPIFFEID("spiffe://prod/agent/quarantined")
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let model = engine.decide(DecisionRequest(identity: id, action: .modelCall(alias: "summarization", spend: nil), context: DecisionContext(time: now)))
        #expect(model.effect == .deny)
        #expect(model.verdict.rule == "default-deny")
        #expect(model.verdict.reason == "model_not_allowed")
    }
}
