import AAMControlProtocol
import Testing
@testable import AAMConsole

/// Golden frames for the console v2 elements (trend strip, per-view trends, sort marks, the
/// palette, projections) at 80x24 and 200x60, with Unicode glyphs (dark and light themes draw
/// the same characters; their colors are the roles pinned below) and ASCII (the mono theme).
@Suite("Golden frames: trends, sorting, palette")
struct GoldenTrendTests {
    static let sizes = [ScreenSize(width: 80, height: 24), ScreenSize(width: 200, height: 60)]

    @Test("every view with the trend strip, in both glyph sets", arguments: ConsoleView.allCases)
    func view(_ view: ConsoleView) throws {
        for size in Self.sizes {
            for glyphs in [GlyphSet.unicode, .ascii] {
                var state = Fixtures.state(view: view, size: size)
                state.glyphs = glyphs
                state.positions[view] = ListPosition(selected: 1)
                let name = "v2-\(view.title.lowercased())-\(size.width)x\(size.height)-\(glyphs == .ascii ? "ascii" : "unicode")"
                try Golden.check(Golden.text(ConsoleRenderer.render(state)), named: name)
            }
        }
    }

    @Test("theme roles of the trend strip and the per-view trends at 200x60")
    func roles() throws {
        for view in [ConsoleView.providers, .spend, .agents] {
            var state = Fixtures.state(view: view, size: ScreenSize(width: 200, height: 60))
            state.positions[view] = ListPosition(selected: 1)
            try Golden.check(Golden.roles(ConsoleRenderer.render(state)), named: "v2-\(view.title.lowercased())-roles-200x60")
        }
    }

    @Test("the palette with completions, and a sorted header, at 80x24")
    func paletteAndSort() throws {
        var state = Fixtures.state(view: .providers, size: .minimum)
        state.sorts[.providers] = SortOrder(column: 6, descending: true)
        try Golden.check(Golden.text(ConsoleRenderer.render(state)), named: "v2-sorted-providers-80x24")
        state = Fixtures.state(view: .providers, size: .minimum)
        _ = state.handle(key: .character(":"))
        for character in "drain a" { _ = state.handle(key: .character(character)) }
        try Golden.check(Golden.text(ConsoleRenderer.render(state)), named: "v2-palette-80x24")
    }

    @Test func withoutTrendHistoryTheStripSaysSo() {
        var state = Fixtures.state()
        state.trends = TrendWindow()
        #expect(ConsoleRenderer.render(state).lines[ConsoleLayout.trendStripRow].contains("trends: no history from the daemon yet"))
    }

    @Test func theStripShowsTheLastCompleteInterval() {
        let state = Fixtures.state()
        let strip = ConsoleRenderer.render(state).lines[ConsoleLayout.trendStripRow]
        // The newest complete interval (88; 89 is in progress at `now`): 40 + (88*37 % 23)*3 + 60 requests in 10 s.
        let requests = 40 + (88 * 37 % 23) * 3 + 60
        #expect(strip.contains("req/s " + String(repeating: " ", count: 7 - Format.compact(Double(requests) / 10).count)
            + Format.compact(Double(requests) / 10)), "\(strip)")
        #expect(strip.contains("err") && strip.contains("p95") && strip.contains("$/h"))
        #expect(strip.unicodeScalars.contains { (0x2800...0x28FF).contains($0.value) }, "braille sparklines")
    }
}
