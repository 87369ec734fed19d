import AAMConsole
import CNcurses
import Testing
@testable import AAMTerminal

/// The curses-free parts of the terminal: key codes, color degradation, pair allocation, diffing.
@Suite("Terminal pure pieces")
struct TerminalPureTests {
    @Test func keyCodesMapToConsoleInputs() {
        #expect(KeyCodeMap.input(isKeyCode: true, value: UInt32(KEY_UP)) == .up)
        #expect(KeyCodeMap.input(isKeyCode: true, value: UInt32(KEY_NPAGE)) == .pageDown)
        #expect(KeyCodeMap.input(isKeyCode: true, value: UInt32(KEY_PPAGE)) == .pageUp)
        #expect(KeyCodeMap.input(isKeyCode: true, value: UInt32(KEY_BTAB)) == .backTab)
        #expect(KeyCodeMap.input(isKeyCode: true, value: UInt32(KEY_RESIZE)) == .resize)
        #expect(KeyCodeMap.input(isKeyCode: true, value: UInt32(KEY_DC)) == .delete)
        #expect(KeyCodeMap.input(isKeyCode: true, value: UInt32(KEY_F0)) == nil, "unknown key codes are ignored")
        #expect(KeyCodeMap.input(isKeyCode: false, value: 0x0D) == .enter)
        #expect(KeyCodeMap.input(isKeyCode: false, value: 0x0A) == .enter)
        #expect(KeyCodeMap.input(isKeyCode: false, value: 0x1B) == .escape)
        #expect(KeyCodeMap.input(isKeyCode: false, value: 0x09) == .tab)
        #expect(KeyCodeMap.input(isKeyCode: false, value: 0x7F) == .backspace)
        #expect(KeyCodeMap.input(isKeyCode: false, value: 0x01) == nil, "Ctrl-A means nothing")
        #expect(KeyCodeMap.input(isKeyCode: false, value: UInt32(("q" as Unicode.Scalar).value)) == .character("q"))
        #expect(KeyCodeMap.input(isKeyCode: false, value: 0x6F22) == .character("漢"))
    }

    @Test func colorDepthFollowsTheTerminalAndPicksThePaletteEntry() {
        let red = RGBColor(red: 0xbf, green: 0x61, blue: 0x6a)
        #expect(ColorDepth(colors: 256, hasColors: true) == .indexed256)
        #expect(ColorDepth(colors: 88, hasColors: true) == .basic16)
        #expect(ColorDepth(colors: 16, hasColors: true) == .basic16)
        #expect(ColorDepth(colors: 8, hasColors: true) == .basic8)
        #expect(ColorDepth(colors: 256, hasColors: false) == .monochrome)
        #expect(ColorDepth.monochrome.index(of: red) == nil)
        #expect(ColorDepth.basic8.index(of: red) == 1, "a dusty red stays red on 8 colors")
        #expect(ColorDepth.indexed256.index(of: red) == ColorDegradation.xterm256Index(for: red))
    }

    @Test func colorPairsAreAllocatedOncePerCombinationAndNeverPastCapacity() {
        var table = ColorPairTable(capacity: 3)
        #expect(table.pair(foreground: 7, background: 0) == (1, true))
        #expect(table.pair(foreground: 7, background: 0) == (1, false))
        #expect(table.pair(foreground: 1, background: 0) == (2, true))
        #expect(table.pair(foreground: 2, background: 0) == (0, false), "out of pairs: default pair, still visible")
        table.removeAll()
        #expect(table.pair(foreground: 2, background: 0) == (1, true))
    }

    static let dark = Theme.dark
    static func rgb(_ hex: String) -> RGBColor { RGBColor(hex: hex)! }

    @Test func stylesUseThemeColorsAtTheTerminalsDepth() {
        var styler = CellStyler(theme: Self.dark, depth: .indexed256)
        let error = styler.style(role: .statusError, selected: false, bold: true)
        #expect(error.foreground == ColorDegradation.xterm256Index(for: Self.rgb("#bf616a")))
        #expect(error.background == 234)
        #expect(error.attributes == [.bold])
        let selected = styler.style(role: .mainForeground, selected: true, bold: false)
        #expect(selected.background == ColorDegradation.xterm256Index(for: Self.rgb("#3b4252")))
        #expect(selected.foreground == ColorDegradation.xterm256Index(for: Self.rgb("#eceff4")), "selected text uses row_selected_fg")
        #expect(!selected.attributes.contains(.reverse))
    }

    @Test func eightColorTerminalsKeepSelectionAndTextVisible() {
        var styler = CellStyler(theme: Self.dark, depth: .basic8)
        // Both backgrounds collapse onto black: the selection is shown reversed instead.
        let selected = styler.style(role: .mainForeground, selected: true, bold: false)
        #expect(selected.attributes.contains(.reverse))
        // A near-black text color would vanish on the black background: it becomes white.
        var theme = Self.dark
        theme.colors[.muted] = Self.rgb("#202226")
        styler = CellStyler(theme: theme, depth: .basic8)
        let muted = styler.style(role: .muted, selected: false, bold: false)
        #expect(muted.background == 0)
        #expect(muted.foreground == 7)
    }

    @Test func monochromeUsesAttributesOnly() {
        var theme = Self.dark
        theme.monochrome = true
        var styler = CellStyler(theme: theme, depth: .indexed256)
        #expect(styler.depth == .monochrome)
        let error = styler.style(role: .statusError, selected: false, bold: false)
        #expect(error == CellStyle(foreground: nil, background: nil, attributes: [.bold]))
        #expect(styler.style(role: .muted, selected: true, bold: false).attributes == [.dim, .reverse])
        #expect(styler.style(role: .mainForeground, selected: false, bold: false).attributes == [])
    }

    @Test func onlyChangedRowsAreRedrawn() {
        var a = ScreenGrid(width: 4, height: 3)
        var b = a
        #expect(FrameDiff.changedRows(previous: nil, next: a) == [0, 1, 2])
        #expect(FrameDiff.changedRows(previous: a, next: b) == [])
        b[1, 2] = ScreenCell(text: "x")
        #expect(FrameDiff.changedRows(previous: a, next: b) == [1])
        a = ScreenGrid(width: 5, height: 3)
        #expect(FrameDiff.changedRows(previous: a, next: b) == [0, 1, 2], "a size change repaints everything")
    }

    @Test func rowsSplitIntoStyleRunsAndRestartAfterWideCharacters() {
        let row = [
            ScreenCell(text: "a"), ScreenCell(text: "b"), ScreenCell(text: "c", role: .statusError),
            ScreenCell(text: "漢", role: .statusError), ScreenCell(text: "", role: .statusError), ScreenCell(text: "d", role: .statusError),
            ScreenCell(text: "e", selected: true),
        ]
        let runs = FrameDiff.runs(row)
        #expect(runs.map(\.column) == [0, 2, 5, 6])
        #expect(runs.map(\.text) == ["ab", "c漢", "d", "e"])
        #expect(runs.map(\.role) == [.mainForeground, .statusError, .statusError, .mainForeground])
        #expect(runs.last?.selected == true)
    }
}
