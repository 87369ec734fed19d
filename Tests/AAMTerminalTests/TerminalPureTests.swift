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

    @Test func xterm256PicksTheCubeOrTheGreyRamp() {
        #expect(ColorApproximation.xterm256(TerminalRGB(red: 0, green: 0, blue: 0)) == 16)
        #expect(ColorApproximation.xterm256(TerminalRGB(red: 255, green: 255, blue: 255)) == 231)
        #expect(ColorApproximation.xterm256(TerminalRGB(red: 255, green: 0, blue: 0)) == 196)
        // A dark grey is closer to the grey ramp than to any cube color.
        #expect(ColorApproximation.xterm256(TerminalRGB(red: 0x1c, green: 0x1c, blue: 0x1c)) == 234)
        // Per-channel nearest cube level, as xterm quantises: #a3be8c -> (175,175,135) = 144.
        #expect(ColorApproximation.xterm256(TerminalRGB(red: 0xa3, green: 0xbe, blue: 0x8c)) == 144)
        #expect(ColorApproximation.xterm256(TerminalRGB(red: 0x88, green: 0xc0, blue: 0xd0)) == 110)
    }

    @Test func sixteenAndEightColorTerminalsGetTheNearestANSIColor() {
        let red = TerminalRGB(red: 0xbf, green: 0x61, blue: 0x6a)
        #expect(ColorApproximation.ansi(red, count: 8) == 1, "a dusty red stays red")
        #expect(ColorApproximation.ansi(TerminalRGB(red: 0xa3, green: 0xbe, blue: 0x8c), count: 8) == 2, "sage green stays green")
        #expect(ColorApproximation.ansi(TerminalRGB(red: 0xeb, green: 0xcb, blue: 0x8b), count: 8) == 3, "sand is yellow")
        #expect(ColorApproximation.ansi(TerminalRGB(red: 0xeb, green: 0xcb, blue: 0x8b), count: 16) == 11, "bright on 16 colors")
        #expect(ColorApproximation.ansi(TerminalRGB(red: 0x88, green: 0xc0, blue: 0xd0), count: 8) == 6, "frost is cyan")
        #expect(ColorApproximation.ansi(TerminalRGB(red: 0x3b, green: 0x42, blue: 0x52), count: 16) == 8, "dark grey-blue is bright black on 16 colors")
        #expect(ColorApproximation.ansi(TerminalRGB(red: 0x1c, green: 0x1f, blue: 0x24), count: 16) == 0, "a blue-black background is black")
        #expect(ColorApproximation.ansi(TerminalRGB(red: 250, green: 250, blue: 250), count: 16) == 15)
        #expect(ColorApproximation.ansi(TerminalRGB(red: 250, green: 250, blue: 250), count: 8) == 7)
        #expect(ColorApproximation.index(red, depth: .monochrome) == nil)
        #expect(ColorDepth(colors: 256, hasColors: true) == .indexed256)
        #expect(ColorDepth(colors: 16, hasColors: true) == .basic16)
        #expect(ColorDepth(colors: 8, hasColors: true) == .basic8)
        #expect(ColorDepth(colors: 256, hasColors: false) == .monochrome)
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

    static let dark = TerminalPalette(colors: [
        .mainBackground: TerminalRGB(red: 0x1c, green: 0x1f, blue: 0x24), .mainForeground: TerminalRGB(red: 0xd8, green: 0xde, blue: 0xe9),
        .rowSelectedBackground: TerminalRGB(red: 0x3b, green: 0x42, blue: 0x52), .rowSelectedForeground: TerminalRGB(red: 0xec, green: 0xef, blue: 0xf4),
        .statusError: TerminalRGB(red: 0xbf, green: 0x61, blue: 0x6a), .muted: TerminalRGB(red: 0x20, green: 0x22, blue: 0x26),
    ], monochrome: false)

    @Test func stylesUseThemeColorsAtTheTerminalsDepth() {
        var styler = CellStyler(palette: Self.dark, depth: .indexed256)
        let error = styler.style(role: .statusError, selected: false, bold: true)
        #expect(error.foreground == ColorApproximation.xterm256(TerminalRGB(red: 0xbf, green: 0x61, blue: 0x6a)))
        #expect(error.background == 234)
        #expect(error.attributes == [.bold])
        let selected = styler.style(role: .mainForeground, selected: true, bold: false)
        #expect(selected.background == ColorApproximation.xterm256(TerminalRGB(red: 0x3b, green: 0x42, blue: 0x52)))
        #expect(selected.foreground == ColorApproximation.xterm256(TerminalRGB(red: 0xec, green: 0xef, blue: 0xf4)), "selected text uses row_selected_fg")
        #expect(!selected.attributes.contains(.reverse))
    }

    @Test func eightColorTerminalsKeepSelectionAndTextVisible() {
        var styler = CellStyler(palette: Self.dark, depth: .basic8)
        // Both backgrounds collapse onto black: the selection is shown reversed instead.
        let selected = styler.style(role: .mainForeground, selected: true, bold: false)
        #expect(selected.attributes.contains(.reverse))
        // A near-black muted color would vanish on black: it becomes white.
        let muted = styler.style(role: .muted, selected: false, bold: false)
        #expect(muted.background == 0)
        #expect(muted.foreground == 7)
    }

    @Test func monochromeUsesAttributesOnly() {
        var palette = Self.dark
        palette.monochrome = true
        var styler = CellStyler(palette: palette, depth: .indexed256)
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
