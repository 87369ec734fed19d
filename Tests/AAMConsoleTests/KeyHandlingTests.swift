import AAMControlProtocol
import Testing
@testable import AAMConsole

/// Key handling event by event: state + key -> effects and the next state.
@Suite("Key handling")
struct KeyHandlingTests {
    func press(_ keys: [ConsoleKey], on state: inout ConsoleState) -> [ConsoleEffect] {
        keys.flatMap { state.handle(key: $0) }
    }

    @Test("digits, Tab, Shift-Tab and ? switch views; switching asks for the view's snapshot")
    func switching() throws {
        var state = Fixtures.state()
        #expect(state.handle(key: .character("3")).contains(.redraw))
        #expect(state.view == .providers)
        let effects = state.handle(key: .character("5"))
        #expect(state.view == .keys)
        guard case .send(let message)? = effects.last else { Issue.record("no query sent"); return }
        #expect(message.type == .query && message.query == .keys)
        _ = state.handle(key: .tab)
        #expect(state.view == .aliases)
        _ = state.handle(key: .tab)
        #expect(state.view == .agents)
        _ = state.handle(key: .tab)
        #expect(state.view == .replicas)
        _ = state.handle(key: .tab)
        _ = state.handle(key: .tab)
        #expect(state.view == .live)  // wraps after Help
        _ = state.handle(key: .backTab)
        #expect(state.view == .help)
        _ = state.handle(key: .character("1"))
        _ = state.handle(key: .character("?"))
        #expect(state.view == .help)
        _ = state.handle(key: .character("0"))
        #expect(state.view == .help)  // no view 0
        _ = state.handle(key: .character("7"))
        #expect(state.view == .agents)
    }

    @Test("while disconnected, switching views sends nothing")
    func switchingOffline() {
        var state = Fixtures.state()
        state.connection = .connecting
        #expect(state.handle(key: .character("3")) == [.redraw])
    }

    @Test("j/k and arrows move within bounds, PgDn/PgUp by a page, g/G to the ends")
    func moving() {
        var state = Fixtures.state(view: .live, size: ScreenSize(width: 80, height: 24))
        #expect(state.handle(key: .character("k")) == [])  // already at the top
        _ = press([.character("j"), .down, .down], on: &state)
        #expect(state.selectedIndex(in: .live) == 3)
        _ = state.handle(key: .up)
        #expect(state.selectedIndex(in: .live) == 2)
        _ = state.handle(key: .character("G"))
        #expect(state.selectedIndex(in: .live) == 11)
        #expect(state.handle(key: .character("j")) == [])  // already at the bottom
        _ = state.handle(key: .character("g"))
        #expect(state.selectedIndex(in: .live) == 0)
        // 24 rows: 20 body rows (below the tabs and the trend strip), 19 list rows after the header.
        for index in 12..<62 { state.calls.append(Fixtures.call(index)) }
        _ = state.handle(key: .pageDown)
        #expect(state.position(for: .live) == ListPosition(selected: 19, offset: 1))
        _ = state.handle(key: .pageUp)
        #expect(state.position(for: .live).selected == 0)
        #expect(state.position(for: .live).offset == 0)
    }

    @Test("on Help, j/k scroll and stop at the last page, so k scrolls back at once")
    func helpScroll() {
        var state = Fixtures.state(view: .help, size: .minimum)
        let lastFirstLine = HelpContent.lines.count - ConsoleLayout.bodyHeight(.minimum)
        for _ in 0..<100 { _ = state.handle(key: .character("j")) }
        #expect(state.position(for: .help).selected == lastFirstLine)
        _ = state.handle(key: .character("k"))
        #expect(state.position(for: .help).selected == lastFirstLine - 1)
        let line = HelpContent.lines[lastFirstLine - 1]
        let top = ConsoleRenderer.render(state).lines[ConsoleLayout.bodyTop]
        #expect(line.text.isEmpty ? top.allSatisfy { $0 == " " } : top.contains(String(line.text.prefix(20))), "\(top)")
    }

    @Test("a spend row whose parent chain loops is still listed")
    func spendLoop() {
        var state = Fixtures.state(view: .spend)
        state.spend = [
            SpendRow(kind: "team", id: "a", parent: "b", budgets: [], tokensToday: 0, spentTodayUSD: "0", burnRateUSDPerHour: "0"),
            SpendRow(kind: "team", id: "b", parent: "a", budgets: [], tokensToday: 0, spentTodayUSD: "0", burnRateUSDPerHour: "0"),
        ]
        #expect(state.spendTree.map(\.row.id) == ["a", "b"])
        #expect(state.spendTree.map(\.depth) == [0, 1])
    }

    @Test("positions are kept per view")
    func perViewPositions() {
        var state = Fixtures.state(view: .keys)
        _ = press([.down, .down], on: &state)
        _ = press([.character("3"), .down], on: &state)
        _ = state.handle(key: .character("5"))
        #expect(state.selectedKey?.prefix == "aam_k_Old1")
        #expect(state.selectedProvider?.deployment == "anthropic-1")
    }

    @Test("q quits; Esc closes the detail overlay first and q inside it only closes it")
    func quitting() {
        var state = Fixtures.state(view: .live)
        _ = state.handle(key: .down)
        #expect(state.handle(key: .enter) == [.redraw])
        #expect(state.overlay == .detail(state.liveRows[1]))
        #expect(state.handle(key: .character("q")) == [.redraw])
        #expect(state.overlay == nil)
        _ = state.handle(key: .enter)
        #expect(state.handle(key: .character("j")) == [.redraw])  // next call, detail stays open
        #expect(state.overlay == .detail(state.liveRows[2]))
        _ = state.handle(key: .up)
        _ = state.handle(key: .up)
        #expect(state.overlay == .detail(state.liveRows[0]))
        #expect(state.handle(key: .character("k")) == [])  // the first call: nothing to move to
        #expect(state.handle(key: .escape) == [.redraw])
        #expect(state.overlay == nil)
        #expect(state.handle(key: .character("q")) == [.quit])
    }

    @Test("t cycles themes and asks the app to apply the new one")
    func themes() {
        var state = Fixtures.state()
        #expect(state.handle(key: .character("t")) == [.applyTheme("light"), .redraw])
        #expect(state.handle(key: .character("t")) == [.applyTheme("mono"), .redraw])
        #expect(state.handle(key: .character("t")) == [.applyTheme("dark"), .redraw])
        #expect(state.themeName == "dark")
    }

    @Test("view-specific keys do nothing elsewhere; resize only redraws")
    func scoping() {
        var state = Fixtures.state(view: .live)
        #expect(state.handle(key: .character("d")) == [])
        #expect(state.handle(key: .character("r")) == [])
        #expect(state.handle(key: .character("+")) == [])
        #expect(state.overlay == nil)
        state.resize(to: ScreenSize(width: 120, height: 40))
        #expect(state.handle(key: .resize) == [.redraw])
    }

    @Test("the binding table has no key bound twice in the same place, and the Help view lists every binding")
    func table() {
        for view in ConsoleView.allCases {
            var seen: [ConsoleKey: String] = [:]
            for binding in KeyBindings.table where binding.views == nil || binding.views!.contains(view) {
                for key in binding.keys {
                    let scope = binding.views == nil ? "global" : "local"
                    #expect(seen[key] != scope, "\(key) bound twice (\(scope)) in \(view)")
                    seen[key] = scope
                }
            }
        }
        let helpText = HelpContent.lines.map(\.text)
        for binding in KeyBindings.table { #expect(helpText.contains(binding.help), "\(binding.help) missing from Help") }
        var state = Fixtures.state(view: .help, size: ScreenSize(width: 100, height: 60))
        state.positions[.help] = ListPosition()
        let screen = ConsoleRenderer.render(state).lines.joined(separator: "\n")
        for binding in KeyBindings.table { #expect(screen.contains(binding.help), "\(binding.help) not on the Help screen") }
    }
}
