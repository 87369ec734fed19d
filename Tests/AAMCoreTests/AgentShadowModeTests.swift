import AAMCore
import Foundation
import Testing

/// `mode: shadow`: the decision is what the enforcing policies say; what the whole set would
/// have denied is recorded in `wouldDeny` and never applied.
@Suite struct AgentShadowModeTests {
    typealias F = AgentFixtures

    @Test func aShadowOnlyWorkloadIsAllowedAndTheDenialIsRecorded() {
        let engine = F.engine(F.financeAnalystReadonly(version: 2, mode: .shadow))
        let export = engine.decide(F.tool(F.analyst, "salesforce.accounts", "export"))
        #expect(export.effect == .allow)
        #expect(export.verdict == Verdict(
            policy: "finance-analyst-readonly", version: 2, rule: "shadow", reason: "shadow_only", mode: .shadow, audit: F.financeAudit))
        #expect(export.wouldDeny == Verdict(
            policy: "finance-analyst-readonly", version: 2, rule: "tools[0].deny[export]", reason: "explicitly_denied", mode: .shadow, audit: F.financeAudit))
        let read = engine.decide(F.tool(F.analyst, "salesforce.accounts", "read"))
        #expect(read.effect == .allow)
        #expect(read.verdict.rule == "tools[0].actions[read]")
        #expect(read.wouldDeny == nil)
        let model = engine.decide(F.model(F.analyst, "gpt-4o"))
        #expect(model.effect == .allow)
        #expect(model.wouldDeny?.reason == "model_not_allowed")
    }

    @Test func shadowBudgetsAreReportedNotEnforced() {
        let engine = F.engine(F.financeAnalystReadonly(mode: .shadow))
        #expect(engine.dailyBudget(for: F.analyst) == nil)
        let decision = engine.decide(F.model(F.analyst, "summarization", spend: SpendSoFar(today: F.dollars("100"))))
        #expect(decision.effect == .allow)
        #expect(decision.wouldDeny?.rule == "budget.daily_usd")
        #expect(decision.wouldDeny?.reason == "budget_exceeded")
    }

    @Test func aShadowCandidateBesideTheEnforcedPolicy() {
        // v3 is enforced; a stricter candidate (no search) runs in shadow beside it.
        var candidate = F.financeAnalystReadonly(mode: .shadow)
        candidate.name = "finance-analyst-strict"
        candidate.tools = [ToolGrant(resource: "salesforce.accounts", actions: ["read"], deny: ["search", "export", "update", "delete"])]
        let engine = F.engine(F.financeAnalystReadonly(version: 3), candidate)

        let search = engine.decide(F.tool(F.analyst, "salesforce.accounts", "search"))
        #expect(search.effect == .allow)
        #expect(search.verdict.policy == "finance-analyst-readonly")
        #expect(search.verdict.rule == "tools[0].actions[search]")
        #expect(search.wouldDeny == Verdict(
            policy: "finance-analyst-strict", version: 1, rule: "tools[0].deny[search]", reason: "explicitly_denied", mode: .shadow, audit: F.financeAudit))

        let export = engine.decide(F.tool(F.analyst, "salesforce.accounts", "export"))
        #expect(export.effect == .deny, "a shadow policy never loosens the enforced one")
        #expect(export.verdict.policy == "finance-analyst-readonly")
        #expect(export.verdict.mode == .enforce)

        let read = engine.decide(F.tool(F.analyst, "salesforce.accounts", "read"))
        #expect(read.effect == .allow)
        #expect(read.wouldDeny == nil)
    }

    @Test func aShadowGrantDoesNotAllowWhatTheEnforcedPolicyRefuses() {
        var permissive = F.financeAnalystReadonly(mode: .shadow)
        permissive.name = "finance-analyst-wide"
        permissive.tools = [ToolGrant(resource: "salesforce.opportunities", actions: ["read"])]
        let engine = F.engine(F.financeAnalystReadonly(), permissive)
        let decision = engine.decide(F.tool(F.analyst, "salesforce.opportunities", "read"))
        #expect(decision.effect == .deny)
        #expect(decision.verdict.reason == "not_granted")
    }
}
