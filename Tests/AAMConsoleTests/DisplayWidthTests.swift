import Testing
@testable import AAMConsole

@Suite("Display width and fitting text into columns")
struct DisplayWidthTests {
    @Test("ASCII, CJK, emoji, combining marks, flags and controls have the widths terminals give them")
    func widths() {
        #expect(DisplayWidth.of("abc") == 3)
        #expect(DisplayWidth.of("摘要") == 4)
        #expect(DisplayWidth.of("한국어") == 6)
        #expect(DisplayWidth.of("ｆｕｌｌ") == 8)  // fullwidth Latin
        #expect(DisplayWidth.of("🚀") == 2)
        #expect(DisplayWidth.of("e\u{301}") == 1)  // e + combining acute: one cluster, one column
        #expect(DisplayWidth.of("👩‍👩‍👧") == 2)  // ZWJ family: one cluster
        #expect(DisplayWidth.of("🇩🇪") == 2)
        #expect(DisplayWidth.of("❤️") == 2)  // text-default heart made emoji by VS16
        #expect(DisplayWidth.of("❤") == 1)
        #expect(DisplayWidth.of("a\u{200B}b") == 2)  // zero-width space
        #expect(DisplayWidth.of("→│█…") == 4)
        #expect(DisplayWidth.of("\u{1B}") == 0)
    }

    @Test("fit pads short text and truncates long text with an ellipsis to exactly the width")
    func fit() {
        #expect(TextFit.fit("abc", width: 5) == "abc  ")
        #expect(TextFit.fit("abc", width: 5, alignment: .right) == "  abc")
        #expect(TextFit.fit("abcdef", width: 4) == "abc…")
        #expect(TextFit.fit("abcd", width: 4) == "abcd")
        #expect(TextFit.fit("", width: 0) == "")
    }

    @Test("a wide character that would straddle the ellipsis becomes a space")
    func wideTruncation() {
        // "摘要摘要" is 8 columns; in 4 columns: "摘" (2) + room for 1 more before "…": 要 does not fit -> space.
        #expect(TextFit.fit("摘要摘要", width: 4) == "摘 …")
        #expect(DisplayWidth.of(TextFit.fit("摘要摘要", width: 4)) == 4)
        #expect(TextFit.fit("摘要摘要", width: 5) == "摘要…")
    }

    @Test("control characters from the daemon are shown as ?, never sent to the terminal")
    func sanitized() {
        #expect(TextFit.sanitized("evil\u{1B}[2Jname\n") == "evil?[2Jname?")
        var grid = ScreenGrid(width: 10, height: 1)
        grid.write("a\u{1B}b", row: 0, column: 0)
        #expect(grid.lines[0] == "a?b       ")
    }

    @Test("the grid gives wide characters two cells and replaces one that does not fit with a space")
    func gridWide() {
        var grid = ScreenGrid(width: 4, height: 1)
        let end = grid.write("a摘要", row: 0, column: 0)
        #expect(end == 4)
        #expect(grid[0, 1].text == "摘" && grid[0, 2].text == "")
        #expect(grid[0, 3].text == " ")  // 要 would need columns 3-4
        #expect(grid.lines[0] == "a摘 ")
        var limited = ScreenGrid(width: 10, height: 1)
        #expect(limited.write("摘要", row: 0, column: 0, limit: 3) == 3)
        #expect(limited.lines[0] == "摘        ")
    }

    @Test("overwriting half of a wide character blanks its other half")
    func overwriteHalf() {
        var grid = ScreenGrid(width: 6, height: 1)
        grid.write("摘要", row: 0, column: 0)
        grid.write("x", row: 0, column: 1)  // second half of 摘
        #expect(grid.lines[0] == " x要  ")
        grid.write("y", row: 0, column: 2)  // first half of 要
        #expect(grid.lines[0] == " xy   ")
    }

    @Test("bars have eighth-cell precision and sparklines scale to the largest value")
    func blocks() {
        #expect(Blocks.barFill(ratio: 0.5, width: 4) == "██")
        #expect(Blocks.barFill(ratio: 1.0 / 16, width: 2) == "▏")
        #expect(Blocks.barFill(ratio: 2, width: 3) == "███")
        #expect(Blocks.sparkline([0, 1, 4, 8]) == "▁▂▅█")
        #expect(Blocks.sparkline([0, 0]) == "▁▁")
    }

    @Test("numbers, money, latency and times are short and stable")
    func formats() {
        #expect(Format.compact(999) == "999")
        #expect(Format.compact(1234) == "1.2k")
        #expect(Format.compact(45_600) == "46k")
        #expect(Format.compact(2_450_000) == "2.5M")
        #expect(Format.money("0.000321") == "$0.0003")
        #expect(Format.money("12.5") == "$12.50")
        #expect(Format.money(nil) == "—")
        #expect(Format.latency(850) == "850ms")
        #expect(Format.latency(1240) == "1.24s")
        #expect(Format.countdown(65) == "1m05s")
        #expect(Format.relative(Fixtures.now.addingTimeInterval(-180), now: Fixtures.now) == "3m ago")
        #expect(Format.relative(Fixtures.now.addingTimeInterval(2 * 86_400), now: Fixtures.now) == "in 2d")
        #expect(Format.clockTime(Fixtures.now.addingTimeInterval(-1), in: Fixtures.utc) == "11:59:59")
    }
}
