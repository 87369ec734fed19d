import Foundation
import Testing
@testable import AAMConsole

/// Sparklines as a pure function: each style, scaling, gaps, width handling.
@Suite("Sparklines")
struct SparklineTests {
    @Test func blocksScaleToTheLargestValueAndShowZeroAsTheBaseline() {
        #expect(Sparkline.render([0, 1, 2, 4, 8], width: 5, style: .blocks) == "▁▂▃▅█")
        #expect(Sparkline.render([0, 0], width: 2, style: .blocks) == "▁▁", "all quiet: the baseline, not blanks")
        #expect(Sparkline.render([nil, 5], width: 2, style: .blocks) == " █", "nothing measured is a blank")
    }

    @Test func aFixedCeilingKeepsSmallValuesSmall() {
        #expect(Sparkline.render([0.01, 0.5, 1], width: 3, style: .blocks, maximum: 1) == "▂▅█")
    }

    @Test func theNewestValuesAreKeptAndShortSeriesArePaddedOnTheLeft() {
        #expect(Sparkline.render([8, 8, 8, 1, 8], width: 2, style: .blocks) == "▂█")
        #expect(Sparkline.render([8], width: 3, style: .blocks) == "  █")
        #expect(Sparkline.render([1, 2], width: 0, style: .blocks) == "")
    }

    @Test func asciiUsesPlainCharactersOnly() {
        let line = Sparkline.render([0, 1, 2, 3, 4, 5, 6, 7, nil], width: 9, style: .ascii)
        #expect(line == "_.-~=+*# ")
        #expect(line.unicodeScalars.allSatisfy { $0.isASCII })
    }

    @Test func braillePacksTwoValuesPerCellFromTheBottomUp() {
        // Full left column (dots 7,3,2,1) and an empty right one; then one dot right (dot 8).
        #expect(Sparkline.render([4, 0], width: 1, style: .braille) == "\u{2847}")
        #expect(Sparkline.render([0, 1], width: 1, style: .braille, maximum: 4) == "\u{2880}")
        #expect(Sparkline.render([4, 4], width: 1, style: .braille) == "\u{28FF}")
        // An odd count: the newest value sits in the right column of the last cell.
        #expect(Sparkline.render([4, 4, 4], width: 2, style: .braille) == "\u{28B8}\u{28FF}")
        // Width is in cells: 6 values fit in 3 cells, the oldest 2 of 8 are dropped.
        #expect(Sparkline.render(Array(repeating: 4, count: 8), width: 3, style: .braille).count == 3)
        #expect(Sparkline.render([4], width: 3, style: .braille) == "  \u{28B8}")
    }

    @Test func theMonochromeThemeDrawsTrendsInASCII() throws {
        let mono = ThemeParser.parse(try String(contentsOfFile: ThemeTests.themesDirectory + "/mono.theme", encoding: .utf8), name: "mono").theme
        #expect(GlyphSet(for: mono) == .ascii)
        #expect(GlyphSet(for: Theme.dark) == .unicode)
    }

    @Test func downsamplingKeepsTheWholeWindowWithTheNewestLast() {
        let values: [Double?] = [1, 2, 3, 4, 5, 6, 7]
        #expect(Downsample.fit(values, to: 3, combine: .mean) == [1.5, 3.5, 6], "[1,2] [3,4] [5,6,7]")
        #expect(Downsample.fit(values, to: 3, combine: .maximum) == [2, 4, 7])
        #expect(Downsample.fit(Array(repeating: 1, count: 90), to: 68, combine: .mean).count == 68, "the samples fill the width")
        #expect(Downsample.fit(values, to: 10, combine: .mean) == values, "room for every value: unchanged")
        #expect(Downsample.fit([nil, nil, 2, nil], to: 2, combine: .mean) == [nil, 2], "nils leave a group, a group of nils is nil")
        #expect(Downsample.fit(values, to: 0, combine: .mean).isEmpty)
    }

    @Test func denseAndSimpleStylesFollowTheGlyphSet() {
        #expect(SparkStyle.dense(.unicode) == .braille && SparkStyle.dense(.ascii) == .ascii)
        #expect(SparkStyle.simple(.unicode) == .blocks && SparkStyle.simple(.ascii) == .ascii)
    }
}
