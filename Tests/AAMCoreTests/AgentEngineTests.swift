import AAMCore
import Foundation
import Testing

/// The policy engine on the seed's `finance-analyst-readonly` example and on the semantics
/// around it: deny overrides allow, default deny, unknown identities, several policies.
@Suite struct AgentEngineTests {
    typealias F = AgentFixtures

    let engine = F.engine(F.financeAnalystReadonly(version: 3))

    @Test(arguments: ["read", "search"])
    func grantedActionsAreAllowed(action: String) {
        let decision = engine.decide(F.tool(F.analyst, "salesforce.accounts", action))
        #expect(decision.effect == .allow)
        #expect(decision.verdict == Verdict(
            policy: "finance-analyst-readonly", version: 3, rule: "tools[0].actions[\(action)]", reason: "granted", audit: F.financeAudit))
        #expect(decision.wouldDeny == nil)
    }

    @Test(arguments: ["export", "update", "delete"])
    func deniedActionsAreRefusedByTheirDenyRule(action: String) {
        let decision = engine.decide(F.tool(F.analyst, "salesforce.accounts", action))
        #expect(decision.effect == .deny)
        #expect(decision.verdict == Verdict(
            policy: "finance-analyst-readonly", version: 3, rule: "tools[0].deny[\(action)]", reason: "explicitly_denied", audit: F.financeAudit))
    }

    @Test func anythingNotGrantedIsDeniedByDefault() {
        for (resource, action) in [("salesforce.accounts", "write"), ("salesforce.contacts", "read"), ("jira.issues", "search")] {
            let decision = engine.decide(F.tool(F.analyst, resource, action))
            #expect(decision.effect == .deny)
            #expect(decision.verdict.rule == "default-deny")
            #expect(decision.verdict.reason == "not_granted")
            #expect(decision.verdict.policy == "finance-analyst-readonly")
        }
    }

    @Test func actionNamesAreExactNotCaseFolded() {
        #expect(engine.decide(F.tool(F.analyst, "salesforce.accounts", "READ")).effect == .deny)
        #expect(engine.decide(F.tool(F.analyst, "Salesforce.Accounts", "read")).effect == .deny)
    }

    @Test func onlyTheListedModelAliasesAreAllowed() {
        for alias in ["reasoning-high", "summarization"] {
            let decision = engine.decide(F.model(F.analyst, alias))
            #expect(decision.effect == .allow)
            #expect(decision.verdict.rule == "models.allow")
            #expect(decision.verdict.reason == "model_allowed")
        }
        for alias in ["gpt-4o", "reasoning", "summarization-2", "*"] {
            let decision = engine.decide(F.model(F.analyst, alias))
            #expect(decision.effect == .deny, "\(alias)")
            #expect(decision.verdict == Verdict(
                policy: "finance-analyst-readonly", version: 3, rule: "models.allow", reason: "model_not_allowed", audit: F.financeAudit))
        }
    }

    @Test func spendBeyondSeventyFiveDollarsADayIsRefused() {
        let cases: [(today: String, estimate: String, allowed: Bool)] = [
            ("0", "0", true), ("74.99", "0.01", true), ("74.99", "0.02", false), ("75", "0", false), ("80", "0", false),
            ("0", "75", true), ("0", "75.000000001", false),
        ]
        for entry in cases {
            let spend = SpendSoFar(today: F.dollars(entry.today), estimate: F.dollars(entry.estimate))
            let decision = engine.decide(F.model(F.analyst, "summarization", spend: spend))
            #expect(decision.isAllowed == entry.allowed, "spent \(entry.today) + \(entry.estimate)")
            if !entry.allowed {
                #expect(decision.verdict.rule == "budget.daily_usd")
                #expect(decision.verdict.reason == "budget_exceeded")
            }
        }
        let budget = engine.dailyBudget(for: F.analyst)
        #expect(budget?.amount == F.dollars("75"))
        #expect(budget?.policy == "finance-analyst-readonly")
    }

    @Test func budgetIsCheckedEvenForAnAliasThatIsNotAllowed() {
        // The refusal names the budget: it is the stronger reason (no alias would be allowed).
        let decision = engine.decide(F.model(F.analyst, "gpt-4o", spend: SpendSoFar(today: F.dollars("90"))))
        #expect(decision.verdict.reason == "budget_exceeded")
    }

    @Test func unknownIdentityIsDeniedWithoutAPolicy() {
        for text in ["spiffe://prod/agent/unknown", "spiffe://staging/agent/finance-analyst", "spiffe://prod/agent/finance-analyst/sub"] {
            let decision = engine.decide(F.tool(F.id(text), "salesforce.accounts", "read"))
            #expect(decision.effect == .deny)
            #expect(decision.verdict == Verdict(policy: nil, version: nil, rule: "default-deny", reason: "no_policy_for_identity"))
            #expect(engine.dailyBudget(for: F.id(text)) == nil)
        }
    }

    @Test func denyInAnyApplicablePolicyOverridesAGrantInAnother() {
        let broad = AgentPolicy(
            name: "analyst-broad", subject: .exact(F.analyst),
            tools: [ToolGrant(resource: "salesforce.accounts", actions: ["*"])])
        let guardrail = AgentPolicy(
            name: "no-exports-anywhere", subject: F.subject("spiffe://prod/*"),
            tools: [ToolGrant(resource: "*", deny: ["export"])])
        let engine = F.engine(broad, guardrail)
        #expect(engine.applicablePolicies(for: F.analyst) == ["analyst-broad", "no-exports-anywhere"])
        let export = engine.decide(F.tool(F.analyst, "salesforce.accounts", "export"))
        #expect(export.effect == .deny)
        #expect(export.verdict.policy == "no-exports-anywhere")
        #expect(export.verdict.rule == "tools[0].deny[export]")
        let read = engine.decide(F.tool(F.analyst, "salesforce.accounts", "read"))
        #expect(read.effect == .allow)
        #expect(read.verdict.rule == "tools[0].actions[*]")
        // A workload covered only by the pattern policy gets its deny, and default deny otherwise.
        let other = F.id("spiffe://prod/agent/other")
        #expect(engine.decide(F.tool(other, "x.y", "export")).verdict.reason == "explicitly_denied")
        #expect(engine.decide(F.tool(other, "x.y", "read")).verdict.reason == "not_granted")
    }

    @Test func wildcardDenyWinsInsideOnePolicy() {
        let policy = AgentPolicy(
            name: "p", subject: .exact(F.analyst),
            tools: [ToolGrant(resource: "crm.leads", actions: ["read", "update"]), ToolGrant(resource: "*", deny: ["update"])])
        let engine = F.engine(policy)
        #expect(engine.decide(F.tool(F.analyst, "crm.leads", "read")).effect == .allow)
        let update = engine.decide(F.tool(F.analyst, "crm.leads", "update"))
        #expect(update.effect == .deny)
        #expect(update.verdict.rule == "tools[1].deny[update]")
        let all = AgentPolicy(name: "q", subject: .exact(F.analyst), tools: [ToolGrant(resource: "crm.leads", actions: ["*"], deny: ["*"])])
        #expect(F.engine(all).decide(F.tool(F.analyst, "crm.leads", "read")).verdict.rule == "tools[0].deny[*]")
    }

    @Test func moreSpecificPoliciesComeFirstAndNameTheDefaultDeny() {
        let exact = AgentPolicy(name: "zz-exact", subject: .exact(F.analyst))
        let near = AgentPolicy(name: "aa-near", subject: F.subject("spiffe://prod/agent/*"))
        let far = AgentPolicy(name: "ab-far", subject: F.subject("spiffe://prod/*"))
        let engine = F.engine(far, near, exact)
        #expect(engine.applicablePolicies(for: F.analyst) == ["zz-exact", "aa-near", "ab-far"])
        #expect(engine.decide(F.tool(F.analyst, "a.b", "read")).verdict.policy == "zz-exact")
        let other = F.id("spiffe://prod/agent/x")
        #expect(engine.applicablePolicies(for: other) == ["aa-near", "ab-far"])
        #expect(engine.decide(F.tool(other, "a.b", "read")).verdict.policy == "aa-near")
    }

    @Test func tightestEnforcedBudgetApplies() {
        let second = AgentPolicy(name: "team-cap", subject: F.subject("spiffe://prod/agent/*"), dailyBudget: F.dollars("20"))
        let engine = F.engine(F.financeAnalystReadonly(), second)
        #expect(engine.dailyBudget(for: F.analyst)?.amount == F.dollars("20"))
        #expect(engine.dailyBudget(for: F.analyst)?.policy == "team-cap")
        let decision = engine.decide(F.model(F.analyst, "summarization", spend: SpendSoFar(today: F.dollars("20"))))
        #expect(decision.effect == .deny)
        #expect(decision.verdict.policy == "team-cap")
        #expect(decision.verdict.rule == "budget.daily_usd")
    }

    @Test func duplicatePolicyNamesAreRefused() {
        #expect(throws: PolicySetError.duplicateName("finance-analyst-readonly")) {
            try PolicyEngine(policies: [F.financeAnalystReadonly(), F.financeAnalystReadonly(version: 2)])
        }
    }

    @Test func aThousandRulePolicySetDecidesByTheRightRule() throws {
        var policies: [AgentPolicy] = []
        for p in 0..<100 {
            let tools = (0..<10).map { t in
                ToolGrant(resource: "app\(t).records", actions: ["read", "list", "t\(p)"], deny: ["purge"])
            }
            policies.append(AgentPolicy(name: "agent-\(p)", version: p + 1, subject: .exact(F.id("spiffe://prod/agent/a\(p)")), tools: tools))
        }
        let engine = try PolicyEngine(policies: policies)
        #expect(engine.count == 100)
        let allowed = engine.decide(F.tool(F.id("spiffe://prod/agent/a57"), "app3.records", "t57"))
        #expect(allowed.verdict == Verdict(policy: "agent-57", version: 58, rule: "tools[3].actions[t57]", reason: "granted"))
        #expect(engine.decide(F.tool(F.id("spiffe://prod/agent/a57"), "app3.records", "t58")).effect == .deny)
        #expect(engine.decide(F.tool(F.id("spiffe://prod/agent/a9"), "app9.records", "purge")).verdict.rule == "tools[9].deny[purge]")
    }
}
