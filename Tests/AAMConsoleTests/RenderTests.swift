import AAMControlProtocol
import Foundation
import Testing
@testable import AAMConsole

@Suite("Rendering: size limits, status line, overlays")
struct RenderTests {
    @Test("below 80x24 the console says the terminal is too small, centered", arguments: [
        ScreenSize(width: 79, height: 24), ScreenSize(width: 80, height: 23), ScreenSize(width: 40, height: 10),
    ])
    func tooSmall(_ size: ScreenSize) {
        let grid = ConsoleRenderer.render(Fixtures.state(size: size), into: size)
        #expect(grid.width == size.width && grid.height == size.height)
        let message = "terminal too small (need 80x24)"
        let row = grid.lines.firstIndex { $0.contains(message) }
        #expect(row == (size.height - 2) / 2)
        let line = grid.lines[row ?? 0]
        let left = line.prefix { $0 == " " }.count
        let right = line.reversed().prefix { $0 == " " }.count
        #expect(abs(left - right) <= 1)
        #expect(grid.lines[(row ?? 0) + 1].contains("now \(size.width)x\(size.height)"))
    }

    @Test("a terminal narrower than the message still gets as much as fits")
    func tiny() {
        let grid = ConsoleRenderer.render(Fixtures.state(), into: ScreenSize(width: 12, height: 3))
        #expect(grid.lines[0] == "terminal to…")
    }

    @Test("resizing re-renders at the new size with the selection kept visible")
    func resize() {
        var state = Fixtures.state(view: .live, size: ScreenSize(width: 120, height: 40))
        for index in 12..<100 { state.calls.append(Fixtures.call(index)) }
        state.positions[.live] = ListPosition(selected: 30, offset: 0)
        state.resize(to: .minimum)
        let grid = ConsoleRenderer.render(state)
        #expect(grid.width == 80 && grid.height == 24)
        let selectedRows = grid.rows.indices.filter { grid.rows[$0].contains { $0.selected } && $0 > 0 && $0 < 22 }
        #expect(selectedRows.count == 1)
        #expect(grid.lines[selectedRows[0]].contains(Format.clockTime(state.liveRows[30].time, in: Fixtures.utc)))
    }

    @Test("the status line shows connecting, disconnection with its countdown, filter and errors")
    func statusLine() {
        var state = Fixtures.state(size: .minimum)
        state.connection = .connecting
        #expect(ConsoleRenderer.render(state).lines[22].hasPrefix(" ◌ connecting… │ 0 ev/s"))
        state.connectionLost(reason: "daemon went away", retryAt: Fixtures.now.addingTimeInterval(4.2))
        #expect(ConsoleRenderer.render(state).lines[22].contains("✕ disconnected: daemon went away, retrying in 5s"))
        _ = state.tick(now: Fixtures.now.addingTimeInterval(3))
        #expect(ConsoleRenderer.render(state).lines[22].contains("retrying in 2s"))
        state.filter = "openai"
        state.isEditingFilter = true
        #expect(ConsoleRenderer.render(state).lines[22].contains("filter: openai▏"))
        let hints = ConsoleRenderer.render(state).lines[23]
        #expect(hints.contains("Enter keep") && hints.contains("Esc clear"))
    }

    @Test("a long status message is cut with an ellipsis, never wrapped")
    func longMessage() {
        var state = Fixtures.state(size: .minimum)
        state.showMessage(String(repeating: "very long message ", count: 10), isError: true)
        let line = ConsoleRenderer.render(state).lines[22]
        #expect(DisplayWidth.of(line) == 80)
        #expect(line.hasSuffix("… "))
    }

    @Test("overlays at 80x24 match their golden files", arguments: ["detail", "confirm", "prompt", "secret"])
    func overlays(_ kind: String) throws {
        var state = Fixtures.state(view: kind == "detail" ? .live : kind == "confirm" ? .providers : .keys, size: .minimum)
        switch kind {
        case "detail":
            state.positions[.live] = ListPosition(selected: 2)
            _ = state.handle(key: .enter)
        case "confirm":
            _ = state.handle(key: .character("d"))
        case "prompt":
            _ = state.handle(key: .character("r"))
            _ = state.handle(key: .character("x"))
            _ = state.handle(key: .enter)
        default:
            var result = ControlMessage(type: .commandResult, id: 1)
            result.commandResult = CommandResult(message: "rotated", newSecret: "aam_k_" + String(repeating: "s3cr3t", count: 12),
                                                 keyPrefix: "aam_k_s3cr")
            state.apply(result)
        }
        try Golden.check(Golden.text(ConsoleRenderer.render(state)), named: "overlay-\(kind)-80x24")
    }

    @Test("the mono theme needs no color to tell states apart: roles map to distinct attributes on screen")
    func monoRoles() {
        let grid = ConsoleRenderer.render(Fixtures.state(view: .providers))
        let roles = Set(grid.rows.flatMap { $0.map(\.role) })
        // The Providers view uses all four state roles, so a monochrome terminal must tell them apart.
        #expect(roles.isSuperset(of: [.statusOK, .statusCooldown, .statusError, .statusDrained]))
    }
}
