import AAMCore
import Foundation

/// Policies and requests shared by the agent control-plane tests.
enum AgentFixtures {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)  // 2027-01-15T08:00:00Z

    static func id(_ text: String) -> SPIFFEID {
        // Test inputs are literals known to be valid; a typo fails loudly here.
        do { return try SPIFFEID(text) } catch { fatalError("bad test SPIFFE ID \(text): \(error)") }
    }

    static let analyst = id("spiffe://prod/agent/finance-analyst")

    static func dollars(_ text: String) -> Money {
        do { return try Money(parsing: text) } catch { fatalError("bad test amount \(text)") }
    }

    /// The `audit.record` of the AgentPolicy example (docs/AGENTS-AND-MCP.md), as its verdicts carry it.
    static let financeAudit = AuditSelection([.identity, .policy, .action, .outcome])

    /// The AgentPolicy example (sample-data/policies/finance-analyst-readonly.yaml), as written (the loader test proves the YAML gives exactly this).
    static func financeAnalystReadonly(version: Int = 1, mode: PolicyMode = .enforce) -> AgentPolicy {
        AgentPolicy(
            name: "finance-analyst-readonly", version: version, subject: .exact(analyst), mode: mode,
            models: ModelGrant(allow: ["reasoning-high", "summarization"]), dailyBudget: dollars("75"),
            tools: [ToolGrant(resource: "salesforce.accounts", actions: ["read", "search"], deny: ["export", "update", "delete"])],
            auditFields: [.identity, .policy, .action, .outcome])
    }

    static func constraint(_ path: String, _ test: ArgumentConstraint.Test) -> ArgumentConstraint {
        do { return ArgumentConstraint(argument: try ArgumentPath(path), test: test) } catch { fatalError("bad path \(path)") }
    }

    static func pattern(_ source: String) -> ArgumentPattern {
        do { return try ArgumentPattern(source) } catch { fatalError("bad pattern \(source)") }
    }

    /// Payment agents: create below 1000 of invoice/credit_note records only; read freely.
    static func payments(name: String = "payments", subject: String = "spiffe://prod/agent/payments/*", mode: PolicyMode = .enforce)
        -> AgentPolicy
    {
        AgentPolicy(
            name: name, subject: Self.subject(subject), mode: mode, models: ModelGrant(allow: ["*"]),
            tools: [
                ToolGrant(
                    resource: "erp.payments", actions: ["read", "create"], deny: ["delete"],
                    constraints: [
                        "create": [
                            constraint("amount", .range(min: nil, max: 1000)),
                            constraint("record.type", .oneOf([.string("invoice"), .string("credit_note")])),
                        ]
                    ])
            ])
    }

    static func subject(_ text: String) -> WorkloadSubject {
        do { return try WorkloadSubject(text) } catch { fatalError("bad subject \(text)") }
    }

    static func engine(_ policies: AgentPolicy...) -> PolicyEngine {
        do { return try PolicyEngine(policies: policies) } catch { fatalError("\(error)") }
    }

    static func tool(
        _ identity: SPIFFEID, _ resource: String, _ action: String, _ arguments: JSONValue? = nil, at time: Date = t0
    ) -> DecisionRequest {
        DecisionRequest(
            identity: identity, action: .toolCall(resource: resource, action: action, arguments: arguments),
            context: DecisionContext(time: time, environment: "prod"))
    }

    static func model(_ identity: SPIFFEID, _ alias: String, spend: SpendSoFar? = nil, at time: Date = t0) -> DecisionRequest {
        DecisionRequest(identity: identity, action: .modelCall(alias: alias, spend: spend), context: DecisionContext(time: time))
    }
}
