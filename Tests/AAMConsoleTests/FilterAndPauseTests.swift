import AAMControlProtocol
import Foundation
import Testing
@testable import AAMConsole

@Suite("Filter and pause")
struct FilterAndPauseTests {
    func type(_ text: String, into state: inout ConsoleState) {
        for character in text { _ = state.handle(key: .character(character)) }
    }

    @Test("/ starts the filter; typed keys filter instead of acting; Enter keeps it, Esc clears it")
    func filterEditing() {
        var state = Fixtures.state(view: .live)
        _ = state.handle(key: .character("/"))
        #expect(state.isEditingFilter)
        type("ANTHROPIC", into: &state)  // q, t, p… would act outside the editor
        #expect(state.filter == "ANTHROPIC")
        #expect(state.liveRows.map(\.requestId) == ["req-2", "req-8"])
        _ = state.handle(key: .backspace)
        #expect(state.filter == "ANTHROPI")
        _ = state.handle(key: .enter)
        #expect(!state.isEditingFilter && state.filter == "ANTHROPI")
        #expect(state.liveRows.count == 2)
        #expect(state.handle(key: .escape) == [.redraw])  // Esc outside the editor clears it too
        #expect(state.filter.isEmpty && state.liveRows.count == 12)
        _ = state.handle(key: .character("/"))
        type("x", into: &state)
        _ = state.handle(key: .escape)
        #expect(!state.isEditingFilter && state.filter.isEmpty)
    }

    @Test("the filter matches alias, provider, key prefix, status, outcome and scope, case-insensitively",
          arguments: [("embed", ["req-11"]), ("cohere", ["req-11"]), ("aam_k_ab", ["req-7"]), ("502", ["req-8"]),
                      ("CANCEL", ["req-10"]), ("globex", ["req-7"]), ("研究", ["req-5"]), ("nothing-like-this", [])])
    func filterFields(_ filter: String, _ expected: [String]) {
        var state = Fixtures.state(view: .live)
        state.filter = filter
        #expect(state.liveRows.map(\.requestId) == expected)
    }

    @Test("the filter applies to Providers and Keys too")
    func filterOtherViews() {
        var state = Fixtures.state(view: .providers)
        state.filter = "drained"
        #expect(state.providerRows.map(\.deployment) == ["cohere-embed", "openai-west"])
        state.filter = "GRACE"
        #expect(state.keyRows.map(\.prefix) == ["aam_k_Ab12"])
    }

    @Test("pausing freezes the rows; events are still counted and shown after resuming")
    func pause() {
        var state = Fixtures.state(view: .live)
        _ = state.handle(key: .character("p"))
        #expect(state.isPaused)
        let frozen = state.liveRows
        for index in 100..<105 { state.apply(Fixtures.eventMessage(Fixtures.call(index, secondsAgo: 0))) }
        #expect(state.liveRows == frozen)
        #expect(state.eventsWhilePaused == 5 && state.eventsReceived == 5)
        let screen = ConsoleRenderer.render(state).lines.joined()
        #expect(screen.contains("PAUSED +5 new"))
        _ = state.handle(key: .character(" "))
        #expect(!state.isPaused)
        #expect(state.liveRows.count == 17)
        #expect(state.liveRows.first?.requestId == "req-104")
    }

    @Test("the live ring keeps the newest calls up to its capacity")
    func ringBound() {
        var state = ConsoleState(now: Fixtures.now, callCapacity: 100)
        for index in 0..<250 { state.apply(Fixtures.eventMessage(Fixtures.call(index))) }
        #expect(state.calls.count == 100)
        #expect(state.liveRows.first?.requestId == "req-249")
        #expect(state.liveRows.last?.requestId == "req-150")
        #expect(state.eventsReceived == 250)
    }

    @Test("a selection below the top stays on the same call as new calls arrive; at the top it follows the newest")
    func selectionFollows() {
        var state = Fixtures.state(view: .live)
        _ = state.handle(key: .down)
        _ = state.handle(key: .down)
        let selected = state.selectedCall
        state.apply(Fixtures.eventMessage(Fixtures.call(200, secondsAgo: 0)))
        #expect(state.selectedCall == selected)
        _ = state.handle(key: .character("g"))
        state.apply(Fixtures.eventMessage(Fixtures.call(201, secondsAgo: 0)))
        #expect(state.selectedCall?.requestId == "req-201")
    }
}
