import AAMControlProtocol
import Testing
@testable import AAMConsole

/// What a look at console v1 found: cheap calls shown as free, one health vocabulary, the
/// Rule column that said nothing, and the header cut at 120 columns.
@Suite("Console v1 look fixes")
struct LookFixesTests {
    @Test func cheapCallsAreNotShownAsFree() {
        #expect(Format.money("0.000001") == "<$0.0001")
        #expect(Format.money("0.00004") == "<$0.0001")
        #expect(Format.money("0.00006") == "$0.0001")
        #expect(Format.money("0.0042") == "$0.0042")
        #expect(Format.money("0") == "$0")
    }

    @Test func healthHasOneVocabulary() {
        func row(_ state: String, cooldown: Double = 0, drained: Bool = false) -> ProviderRow {
            ProviderRow(deployment: "d", alias: "a", provider: "p", upstreamModel: "m", state: state, cooldownRemainingSeconds: cooldown,
                        deploymentDrained: drained)
        }
        #expect(ProviderHealthWord(row("closed")) == .healthy)
        #expect(ProviderHealthWord(row("half_open")) == .probing)
        #expect(ProviderHealthWord(row("open", cooldown: 5)) == .cooldown)
        #expect(ProviderHealthWord(row("open")) == .failing)
        #expect(ProviderHealthWord(row("closed", drained: true)) == .drained)
        #expect(ProvidersViewRenderer.health(row("closed")).0 == "healthy")
    }

    @Test func theRuleColumnAppearsOnlyWhenRulesAreRecorded() {
        var state = Fixtures.state(view: .agents, size: ScreenSize(width: 120, height: 40))
        #expect(ConsoleRenderer.render(state).lines.contains { $0.contains("Rule") })
        state.policyDecisions = state.policyDecisions.map { decision in
            var decision = decision
            decision.rule = "-"
            decision.wouldDenyRule = nil
            return decision
        }
        #expect(!ConsoleRenderer.render(state).lines.contains { $0.contains(" Rule ") || $0.hasSuffix("Rule") })
    }

    @Test func aLongListKeepsTheLastColumnTitleAndSaysWhereWeAreOnTheStatusLine() {
        var state = Fixtures.state(view: .live, size: ScreenSize(width: 120, height: 40))
        for index in 12..<200 { state.calls.append(Fixtures.call(index)) }
        let lines = ConsoleRenderer.render(state).lines
        #expect(lines[ConsoleLayout.bodyTop].hasSuffix("Guard    "), "\(lines[ConsoleLayout.bodyTop])")
        #expect(lines[38].contains("row 1/200"), "\(lines[38])")
    }

    @Test("no column header is cut at 120 columns", arguments: ConsoleView.allCases)
    func headersFitAt120(_ view: ConsoleView) {
        let state = Fixtures.state(view: view, size: ScreenSize(width: 120, height: 40))
        let text = ConsoleRenderer.render(state).lines.joined(separator: "\n")
        for title in ["Guard", "Detector", "Decision", "Deployment", "Cooldown"] where text.contains(String(title.prefix(2)) + " ") {
            #expect(!text.contains(" " + String(title.prefix(2)) + " ") || text.contains(title), "\(view): \(title) is cut")
        }
        #expect(!text.contains("…\n"), "\(view): a header ends in an ellipsis")
    }
}
