import AAMCore
import Foundation
import Testing

/// Event-by-event runs with explicit times: the caller keeps the day's spend (the engine is
/// pure) and swaps in a newly compiled engine when a policy changes.
@Suite struct AgentTimelineTests {
    typealias F = AgentFixtures

    /// What the gateway keeps: spend per UTC day, fed by settled calls.
    struct DaySpend {
        var window = BudgetPeriod.daily.window(containing: AgentFixtures.t0)
        var spent = Money.zero

        mutating func spentToday(at time: Date) -> Money {
            if !window.contains(time) {
                window = BudgetPeriod.daily.window(containing: time)
                spent = .zero
            }
            return spent
        }

        mutating func settle(_ cost: Money, at time: Date) {
            _ = spentToday(at: time)
            spent = spent.saturatingAdding(cost)
        }
    }

    @Test func dailyBudgetStopsModelCallsUntilTheNextUTCDay() {
        let engine = F.engine(F.financeAnalystReadonly())
        var ledger = DaySpend()
        let cost = F.dollars("20")
        // (seconds after t0 = 08:00Z, expected outcome)
        let events: [(offset: TimeInterval, allowed: Bool)] = [
            (0, true), (600, true), (1_200, true),  // 60 spent
            (1_800, false),  // 60 + 20 > 75
            (43_199, false),  // 19:59:59Z, same day
            (57_600, true),  // next day 00:00Z: a fresh budget
            (57_601, true), (57_602, true), (57_603, false),
        ]
        for event in events {
            let time = F.t0.addingTimeInterval(event.offset)
            let spend = SpendSoFar(today: ledger.spentToday(at: time), estimate: cost)
            let decision = engine.decide(F.model(F.analyst, "reasoning-high", spend: spend, at: time))
            #expect(decision.isAllowed == event.allowed, "at +\(Int(event.offset))s with \(spend.today) spent")
            if decision.isAllowed { ledger.settle(cost, at: time) } else { #expect(decision.verdict.reason == "budget_exceeded") }
        }
    }

    @Test func aPolicyChangeTakesEffectFromTheNextDecisionAndCarriesItsVersion() {
        var engine = F.engine(F.financeAnalystReadonly(version: 1))
        var versions: [Int?] = []
        var outcomes: [Decision.Effect] = []
        // v1 grants search; at event 2 the operator applies v2 which moves search to deny.
        for step in 0..<4 {
            if step == 2 {
                var v2 = F.financeAnalystReadonly(version: 2)
                v2.tools = [ToolGrant(resource: "salesforce.accounts", actions: ["read"], deny: ["search", "export", "update", "delete"])]
                engine = F.engine(v2)
            }
            let decision = engine.decide(F.tool(F.analyst, "salesforce.accounts", "search", at: F.t0.addingTimeInterval(Double(step) * 60)))
            versions.append(decision.verdict.version)
            outcomes.append(decision.effect)
        }
        #expect(versions == [1, 1, 2, 2])
        #expect(outcomes == [.allow, .allow, .deny, .deny])
    }
}
