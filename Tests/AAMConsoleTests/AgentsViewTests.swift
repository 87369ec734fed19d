import AAMControlProtocol
import Foundation
import Testing
@testable import AAMConsole

/// Policy decisions and the `agents` snapshot folded into the state, and how the Live and
/// Agents views show workload calls and decisions.
@Suite("Agents view and policy decisions")
struct AgentsViewTests {
    @Test("a policyDecision event goes on top of the recent list and into its agent's counters")
    func foldDecision() {
        var state = Fixtures.state(view: .agents)
        let before = state.agents[0]
        let deny = Fixtures.decision(9, model: "gpt-5-pro", decision: "deny", reason: "model_not_allowed_by_policy")
        state.isDirty = false
        state.apply(.event(ControlEvent(kind: .policyDecision, policyDecision: deny)))
        #expect(state.isDirty)
        #expect(state.eventsReceived == 1)
        #expect(state.policyDecisions.first == deny)
        #expect(state.policyDecisions.count == Fixtures.decisions.count + 1)
        #expect(state.agents[0].denied == before.denied + 1)
        #expect(state.agents[0].allowed == before.allowed)
        #expect(state.agents[0].lastDecision == deny)
        // An allow for another agent counts there only; one for an unknown identity only lists.
        state.apply(.event(ControlEvent(kind: .policyDecision, policyDecision: Fixtures.decision(10, spiffeId: Fixtures.reporter))))
        #expect(state.agents[1].allowed == Fixtures.agents[1].allowed + 1)
        state.apply(.event(ControlEvent(kind: .policyDecision, policyDecision: Fixtures.decision(11, spiffeId: "spiffe://prod/x"))))
        #expect(state.agents.map(\.allowed) == [before.allowed, Fixtures.agents[1].allowed + 1, Fixtures.agents[2].allowed])
        #expect(state.policyDecisions.count == Fixtures.decisions.count + 3)
    }

    @Test("the recent decision list is bounded")
    func bounded() {
        var state = ConsoleState(now: Fixtures.now)
        for index in 0..<(ConsoleState.recentPolicyDecisionsKept + 25) {
            state.apply(.event(ControlEvent(kind: .policyDecision, policyDecision: Fixtures.decision(index))))
        }
        #expect(state.policyDecisions.count == ConsoleState.recentPolicyDecisionsKept)
        #expect(state.policyDecisions.first?.requestId == "req-p\(ConsoleState.recentPolicyDecisionsKept + 24)")
    }

    @Test("an agents result replaces the rows, and the view asks for it when opened with 7")
    func agentsResult() {
        var state = Fixtures.state()
        var message = ControlMessage(type: .result, id: 5)
        message.agents = [Fixtures.agents[2]]
        state.apply(message)
        #expect(state.agents == [Fixtures.agents[2]])
        let effects = state.handle(key: .character("7"))
        #expect(state.view == .agents)
        let asked = effects.compactMap { if case .send(let message) = $0 { message.query } else { nil } }
        #expect(asked == [.agents])
        #expect(state.itemCount(for: .agents) == 1)
    }

    @Test("Agents sits between Aliases and Replicas in tab order; Help stays last")
    func tabOrder() {
        #expect(ConsoleView.aliases.next == .agents)
        #expect(ConsoleView.agents.next == .replicas)
        #expect(ConsoleView.live.previous == .help)
        var state = Fixtures.state()
        _ = state.handle(key: .character("7"))
        #expect(state.view == .agents)
    }

    @Test("policy marks: deny and shadow are told apart, a plain allow has none")
    func marks() {
        let calls = Fixtures.workloadCalls
        #expect(PolicyMark(calls[0]) == nil)
        #expect(PolicyMark(calls[1]) == .shadow)
        #expect(PolicyMark(calls[2]) == .deny)
        #expect(PolicyMark(Fixtures.call(1)) == nil)
        #expect(PolicyMark(Fixtures.decisions[4]) == .deny)
        #expect(PolicyMark(Fixtures.decisions[3]) == .shadow)
    }

    @Test("Live shows the workload's identity and policy mark; the filter finds it by identity")
    func liveRows() throws {
        var state = Fixtures.state()
        for call in Fixtures.workloadCalls { state.calls.append(call) }
        let grid = ConsoleRenderer.render(state)
        let text = Golden.text(grid)
        #expect(text.contains("prod/agent/finance-analy"))
        #expect(text.contains("⛔ deny"))
        #expect(text.contains("◐ shadow"))
        try Golden.check(text, named: "live-agents-100x30")
        state.filter = "report-writer"
        #expect(state.liveRows.map(\.identity) == [Fixtures.reporter])
    }

    @Test("the call detail of a denied workload call names identity, policy, version, rule and reason")
    func detail() throws {
        var state = Fixtures.state()
        for call in Fixtures.workloadCalls { state.calls.append(call) }
        state.overlay = .detail(Fixtures.workloadCalls[2])
        let text = Golden.text(ConsoleRenderer.render(state))
        for expected in ["identity", Fixtures.analyst, "finance-analyst-readonly — deny", "v3", "models.allow", "model_not_allowed_by_policy"] {
            #expect(text.contains(expected), "missing \(expected)")
        }
        #expect(!text.contains("aam_k_"))
        try Golden.check(text, named: "overlay-policy-detail-100x30")
    }
}
