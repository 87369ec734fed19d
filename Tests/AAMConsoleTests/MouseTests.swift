import AAMControlProtocol
import Testing
@testable import AAMConsole

/// The mouse event by event: tabs, column headers, rows and the wheel, located by the same
/// layout the renderers draw with.
@Suite("Mouse")
struct MouseTests {
    @Test func clickingATabOpensItsView() throws {
        var state = Fixtures.state()
        let spans = ConsoleRenderer.tabSpans(current: state.view, width: state.screenSize.width)
        let providers = try #require(spans.first { $0.view == .providers })
        let effects = state.handle(mouse: MouseEvent(.press, row: 0, column: providers.start + 2))
        #expect(state.view == .providers)
        #expect(effects.contains { if case .send(let message) = $0 { message.query == .providers } else { false } })
        // The rendered header has the tab's title where the click landed.
        let header = ConsoleRenderer.render(state).lines[0]
        #expect(header.contains("3 Providers"))
        _ = state.handle(mouse: MouseEvent(.press, row: 0, column: 1))  // the brand: nothing
        #expect(state.view == .providers)
    }

    @Test func clickingAColumnHeaderSortsAndAgainReverses() {
        var state = Fixtures.state(view: .keys)
        let columns = KeysViewRenderer.columns(width: state.screenSize.width)
        let stateColumn = columns.starts[3] + 1
        _ = state.handle(mouse: MouseEvent(.press, row: ConsoleLayout.bodyTop, column: stateColumn))
        #expect(state.sorts[.keys] == SortOrder(column: 3))
        _ = state.handle(mouse: MouseEvent(.press, row: ConsoleLayout.bodyTop, column: stateColumn))
        #expect(state.sorts[.keys] == SortOrder(column: 3, descending: true))
        #expect(ConsoleRenderer.render(state).lines[ConsoleLayout.bodyTop].contains("State▼"))
    }

    @Test func clickingARowSelectsItAndTheSelectedLiveRowOpensItsDetail() {
        var state = Fixtures.state(view: .live)
        _ = state.handle(mouse: MouseEvent(.press, row: ConsoleLayout.bodyTop + 3, column: 10))
        #expect(state.selectedIndex(in: .live) == 2)
        #expect(state.overlay == nil)
        _ = state.handle(mouse: MouseEvent(.press, row: ConsoleLayout.bodyTop + 3, column: 10))
        #expect(state.overlay == .detail(state.liveRows[2]))
        // While the detail is open the mouse does nothing.
        _ = state.handle(mouse: MouseEvent(.press, row: ConsoleLayout.bodyTop + 1, column: 10))
        #expect(state.selectedIndex(in: .live) == 2)
    }

    @Test func clicksBelowTheRowsDoNothing() {
        var state = Fixtures.state(view: .keys)
        _ = state.handle(mouse: MouseEvent(.press, row: ConsoleLayout.bodyTop + 10, column: 5))
        #expect(state.selectedIndex(in: .keys) == 0)
    }

    @Test func theWheelScrolls() {
        var state = Fixtures.state(view: .live)
        _ = state.handle(mouse: MouseEvent(.wheelDown, row: 10, column: 10))
        #expect(state.selectedIndex(in: .live) == MouseEventSteps.step)
        _ = state.handle(mouse: MouseEvent(.wheelUp, row: 10, column: 10))
        #expect(state.selectedIndex(in: .live) == 0)
    }

    @Test func arrowsSwitchViews() {
        var state = Fixtures.state(view: .live)
        _ = state.handle(key: .right)
        #expect(state.view == .spend)
        _ = state.handle(key: .left)
        _ = state.handle(key: .left)
        #expect(state.view == .help)
    }
}

enum MouseEventSteps {
    static let step = ConsoleState.wheelStep
}
