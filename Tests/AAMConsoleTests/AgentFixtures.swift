import AAMControlProtocol
import Foundation
@testable import AAMConsole

/// Workloads, their policies and decisions for the Agents view and the workload rows of Live.
extension Fixtures {
    static let analyst = "spiffe://prod/agent/finance-analyst"
    static let reporter = "spiffe://prod/agent/report-writer"

    static func decision(_ index: Int, spiffeId: String = analyst, kind: String = "model", model: String? = "reasoning-high",
                         resource: String? = nil, action: String? = nil, decision: String = "allow", policy: String? = "finance-analyst-readonly",
                         version: Int? = 3, rule: String = "models.allow", reason: String = "allowed", wouldDenyRule: String? = nil) -> PolicyDecisionRow {
        PolicyDecisionRow(
            time: now.addingTimeInterval(-Double(index) * 7), requestId: "req-p\(index)", spiffeId: spiffeId, kind: kind, model: model,
            resource: resource, action: action, decision: decision, policy: policy, version: version, rule: rule, reason: reason,
            wouldDenyRule: wouldDenyRule)
    }

    /// Newest first, as the console keeps them.
    static let decisions: [PolicyDecisionRow] = [
        decision(0),
        decision(1, model: "gpt-5-pro", decision: "deny", reason: "model_not_allowed_by_policy"),
        decision(2, kind: "tool", model: nil, resource: "salesforce.accounts", action: "export", decision: "deny",
                 rule: "tools[0].deny[export]", reason: "action_denied"),
        decision(3, spiffeId: reporter, model: "summarization", policy: "report-writer-trial", version: 1,
                 wouldDenyRule: "models.allow"),
        decision(4, spiffeId: "spiffe://prod/agent/stranger", model: "fast", decision: "deny", policy: nil, version: nil,
                 rule: "default-deny", reason: "no_policy_for_identity"),
    ]

    static let agents: [AgentRow] = [
        AgentRow(spiffeId: analyst, owner: "alice", team: "finance", environment: "prod", policy: "finance-analyst-readonly",
                 policyVersion: 3, policyMode: "enforce", allowedModels: ["reasoning-high", "summarization"], dailyBudgetUSD: "75",
                 spentTodayUSD: "68.40", allowed: 1412, denied: 37, lastDecision: decisions[0]),
        AgentRow(spiffeId: reporter, owner: "bob", team: "reporting", environment: "prod", policy: "report-writer-trial",
                 policyVersion: 1, policyMode: "shadow", allowedModels: ["*"], dailyBudgetUSD: nil, spentTodayUSD: "2.10",
                 allowed: 88, denied: 0, lastDecision: decisions[3]),
        AgentRow(spiffeId: "spiffe://prod/agent/stranger", owner: "carol", team: "ops", environment: "staging", policy: nil,
                 policyVersion: nil, policyMode: nil, allowedModels: [], dailyBudgetUSD: nil, spentTodayUSD: "0",
                 allowed: 0, denied: 4, lastDecision: decisions[4]),
    ]

    /// Workload calls as the Live view gets them: identity instead of key, the policy summary.
    static var workloadCalls: [CallRow] {
        var denied = call(21, outcome: "rejected", status: 403, alias: "gpt-5-pro", provider: "—", keyPrefix: "", scope: "acme")
        denied.keyPrefix = nil
        denied.requestId = "req-p1"
        denied.identity = analyst
        denied.policy = "finance-analyst-readonly v3: deny models.allow"
        var shadow = call(20, alias: "summarization", provider: "openai", keyPrefix: "", scope: "acme")
        shadow.keyPrefix = nil
        shadow.identity = reporter
        shadow.policy = "report-writer-trial v1: allow models.allow (shadow would deny models.allow)"
        var allowed = call(19, alias: "reasoning-high", provider: "anthropic", keyPrefix: "", scope: "acme")
        allowed.keyPrefix = nil
        allowed.identity = analyst
        allowed.policy = "finance-analyst-readonly v3: allow models.allow"
        return [allowed, shadow, denied]
    }
}
