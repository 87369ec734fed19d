import AAMCore
import Foundation
import Testing

/// `explain`: the sentence `aam policy explain` and `POST /admin/policies/evaluate` show.
@Suite struct AgentExplainTests {
    typealias F = AgentFixtures

    let engine = F.engine(F.financeAnalystReadonly(version: 3), F.payments())

    func explain(_ request: DecisionRequest) -> String { engine.explain(engine.decide(request), for: request) }

    @Test func namesThePolicyVersionAndRule() {
        #expect(
            explain(F.tool(F.analyst, "salesforce.accounts", "export"))
                == "denied by finance-analyst-readonly v3 rule tools[0].deny[export]: action export on salesforce.accounts is explicitly denied")
        #expect(
            explain(F.tool(F.analyst, "salesforce.accounts", "read"))
                == "allowed by finance-analyst-readonly v3 rule tools[0].actions[read]: action read on salesforce.accounts is granted")
        #expect(
            explain(F.tool(F.analyst, "salesforce.accounts", "write"))
                == "denied by finance-analyst-readonly v3 rule default-deny: no rule grants action write on salesforce.accounts to spiffe://prod/agent/finance-analyst")
    }

    @Test func modelsAndBudget() {
        #expect(
            explain(F.model(F.analyst, "gpt-4o"))
                == "denied by finance-analyst-readonly v3 rule models.allow: model alias gpt-4o is not in models.allow (reasoning-high, summarization)")
        #expect(
            explain(F.model(F.analyst, "summarization"))
                == "allowed by finance-analyst-readonly v3 rule models.allow: model alias summarization is in models.allow")
        #expect(
            explain(F.model(F.analyst, "summarization", spend: SpendSoFar(today: F.dollars("74.50"), estimate: F.dollars("0.75"))))
                == "denied by finance-analyst-readonly v3 rule budget.daily_usd: spent or held $74.50 today + $0.75 for this call against a daily budget of $75.00")
    }

    @Test func unknownIdentity() {
        #expect(
            explain(F.tool(F.id("spiffe://prod/agent/unknown"), "salesforce.accounts", "read"))
                == "denied by default-deny: no policy applies to spiffe://prod/agent/unknown")
    }

    @Test func constraintShowsWhatWasSent() {
        let payer = F.id("spiffe://prod/agent/payments/eu")
        #expect(
            explain(F.tool(payer, "erp.payments", "create", .object(["amount": .number(2500)])))
                == "denied by payments v1 rule tools[0].constraints.create[0]: action create on erp.payments requires amount<=1000 (got 2500)")
        #expect(
            explain(F.tool(payer, "erp.payments", "create", .object(["amount": .number(5), "record": .object(["type": .string("payroll")])])))
                == "denied by payments v1 rule tools[0].constraints.create[1]: action create on erp.payments requires record.type:oneOf(invoice,credit_note) (got 'payroll')")
        #expect(
            explain(F.tool(payer, "erp.payments", "create", nil))
                == "denied by payments v1 rule tools[0].constraints.create[0]: action create on erp.payments requires amount<=1000 (argument amount is missing)")
    }

    @Test func shadowDenialIsNamed() {
        let engine = F.engine(F.payments(name: "payments-next", mode: .shadow))
        let payer = F.id("spiffe://prod/agent/payments/eu")
        let request = F.tool(payer, "erp.payments", "delete")
        #expect(
            engine.explain(engine.decide(request), for: request)
                == "allowed by payments-next v1 rule shadow: only shadow-mode policies apply to spiffe://prod/agent/payments/eu, so nothing is enforced; "
                + "shadow policy payments-next v1 rule tools[0].deny[delete] would deny: action delete on erp.payments is explicitly denied")
    }
}
