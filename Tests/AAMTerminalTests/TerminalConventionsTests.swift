import AAMConsole
import CNcurses
import Testing
@testable import AAMTerminal

/// NO_COLOR, COLORTERM and the mouse reports: the environment and curses reports as values.
@Suite("Terminal conventions")
struct TerminalConventionsTests {
    @Test func noColorStartsOnTheMonochromeThemeUnlessOneIsNamed() {
        #expect(TerminalConventions.initialTheme(requested: nil, environment: [:]) == "dark")
        #expect(TerminalConventions.initialTheme(requested: nil, environment: ["NO_COLOR": "1"]) == "mono")
        #expect(TerminalConventions.initialTheme(requested: nil, environment: ["NO_COLOR": ""]) == "dark", "set but empty does not count")
        #expect(TerminalConventions.initialTheme(requested: "light", environment: ["NO_COLOR": "1"]) == "light")
    }

    @Test func trueColorUsesTheDirectSiblingWhenItIsInstalled() {
        let installed: Set<String> = ["xterm-direct", "tmux-direct"]
        let truecolor = ["COLORTERM": "truecolor"]
        #expect(TerminalConventions.directTerminal(term: "xterm-256color", environment: truecolor, exists: installed.contains) == "xterm-direct")
        #expect(TerminalConventions.directTerminal(term: "tmux-256color", environment: ["COLORTERM": "24bit"], exists: installed.contains)
            == "tmux-direct")
        #expect(TerminalConventions.directTerminal(term: "screen-256color", environment: truecolor, exists: installed.contains) == nil,
                "no sibling installed: stay on 256 colors")
        #expect(TerminalConventions.directTerminal(term: "xterm-256color", environment: [:], exists: installed.contains) == nil)
        #expect(TerminalConventions.directTerminal(term: "xterm-direct", environment: truecolor, exists: installed.contains) == nil)
    }

    @Test func directColorIsTheThemesExactValue() {
        let color = RGBColor(red: 0xbf, green: 0x61, blue: 0x6a)
        #expect(ColorDepth(colors: 0x1000000, hasColors: true, rgb: true) == .direct)
        #expect(ColorDepth.direct.index(of: color) == 0xbf616a)
        var styler = CellStyler(theme: Theme.dark, depth: .direct)
        let style = styler.style(role: .statusError, selected: false, bold: false)
        #expect(style.foreground == 0xbf616a && style.background == 0x1c1f24)
    }

    @Test func mouseReportsBecomeConsoleMouseEvents() {
        #expect(MouseReport.input(kind: 1, row: 0, column: 12) == .mouse(MouseEvent(.press, row: 0, column: 12)))
        #expect(MouseReport.input(kind: 4, row: 5, column: 1) == .mouse(MouseEvent(.wheelUp, row: 5, column: 1)))
        #expect(MouseReport.input(kind: 5, row: 5, column: 1) == .mouse(MouseEvent(.wheelDown, row: 5, column: 1)))
        #expect(MouseReport.input(kind: 0, row: 5, column: 1) == nil, "releases and motion are ignored")
    }
}
