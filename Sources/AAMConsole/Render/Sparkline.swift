/// Which characters trends are drawn with: Unicode blocks and braille, or plain ASCII where the
/// theme is monochrome (`mono`, `NO_COLOR`): a terminal without color is often one without
/// good fonts too, and ASCII survives copy-paste into tickets.
public enum GlyphSet: Sendable, Equatable {
    case unicode, ascii

    /// ASCII for a monochrome theme, Unicode otherwise.
    public init(for theme: Theme) { self = theme.monochrome ? .ascii : .unicode }
}

/// How a sparkline packs its values.
public enum SparkStyle: Sendable, Equatable {
    /// One value per cell, eight levels (`▁…█`).
    case blocks
    /// Two values per cell, four levels each (braille dots): twice the history in the same width.
    case braille
    /// One value per cell from `_.-~=+*#`.
    case ascii

    /// The dense style for `glyphs` (braille, or ASCII).
    public static func dense(_ glyphs: GlyphSet) -> SparkStyle { glyphs == .ascii ? .ascii : .braille }
    /// The one-value-per-cell style for `glyphs` (blocks, or ASCII).
    public static func simple(_ glyphs: GlyphSet) -> SparkStyle { glyphs == .ascii ? .ascii : .blocks }

    /// Values one cell holds.
    public var valuesPerCell: Int { self == .braille ? 2 : 1 }
}

/// Sparklines: a series of values (oldest first; nil where there was nothing to measure) as a
/// row of characters, scaled to the largest value (or a given ceiling). Pure, so each style is
/// tested directly. The newest values are kept when the series is longer than the width; a
/// shorter series is padded on the left with blanks, so the right edge is always "now".
public enum Sparkline {
    static let blockLevels: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
    static let asciiLevels: [Character] = ["_", ".", "-", "~", "=", "+", "*", "#"]
    /// Braille dot bits from the bottom up: left column (dots 7, 3, 2, 1), right (8, 6, 5, 4).
    static let brailleLeft: [UInt32] = [0x40, 0x04, 0x02, 0x01]
    static let brailleRight: [UInt32] = [0x80, 0x20, 0x10, 0x08]

    /// `width` cells for `values` in `style`; `maximum` fixes the top of the scale (e.g. 1 for
    /// a ratio) instead of the largest value.
    public static func render(_ values: [Double?], width: Int, style: SparkStyle, maximum: Double? = nil) -> String {
        String(cells(values, width: width, style: style, maximum: maximum))
    }

    /// Same as `render`, one character per cell (renderers color single cells, e.g. markers).
    public static func cells(_ values: [Double?], width: Int, style: SparkStyle, maximum: Double? = nil) -> [Character] {
        guard width > 0 else { return [] }
        let shown = Array(values.suffix(width * style.valuesPerCell))
        let top = maximum ?? shown.compactMap { $0 }.max() ?? 0
        switch style {
        case .blocks, .ascii:
            let levels = style == .ascii ? asciiLevels : blockLevels
            let cells = shown.map { value -> Character in
                guard let value else { return " " }
                return levels[level(value, top: top, steps: levels.count - 1)]
            }
            return Array(repeating: " ", count: width - cells.count) + cells
        case .braille:
            // Pad to an even count on the left so the newest value sits in the last cell's right column.
            let padded = Array(repeating: nil, count: shown.count % 2) + shown
            var cells: [Character] = []
            for pair in stride(from: 0, to: padded.count, by: 2) {
                let bits = dots(padded[pair], column: brailleLeft, top: top) | dots(padded[pair + 1], column: brailleRight, top: top)
                cells.append(Character(Unicode.Scalar(0x2800 + bits) ?? " "))
            }
            return Array(repeating: " ", count: width - cells.count) + cells
        }
    }

    /// 0...steps: zero (and anything without a positive ceiling) is 0, any positive value at least 1.
    static func level(_ value: Double, top: Double, steps: Int) -> Int {
        guard value > 0, top > 0 else { return 0 }
        return min(steps, max(1, Int((value / top * Double(steps)).rounded())))
    }

    /// A braille column filled from the bottom: nothing for nil or zero, 1-4 dots by level.
    static func dots(_ value: Double?, column: [UInt32], top: Double) -> UInt32 {
        guard let value else { return 0 }
        let filled = level(value, top: top, steps: 4)
        return column.prefix(filled).reduce(0, |)
    }
}

/// Fitting a long series into fewer samples, so a narrow sparkline still spans the whole window:
/// sample `i` of `count` combines the values in `[i·n/count, (i+1)·n/count)`, so every sample
/// covers one or more consecutive intervals, the samples fill the width, and the last one holds
/// the newest interval.
public enum Downsample {
    public enum Combine: Sendable { case mean, maximum }

    /// Exactly `count` values when the series is longer (else the series itself); nil values are
    /// left out of a group, and a group of nils is nil.
    public static func fit(_ values: [Double?], to count: Int, combine: Combine) -> [Double?] {
        guard count > 0 else { return [] }
        guard values.count > count else { return values }
        return (0..<count).map { index in
            let present = values[index * values.count / count..<(index + 1) * values.count / count].compactMap { $0 }
            switch combine {
            case .mean: return present.isEmpty ? nil : present.reduce(0, +) / Double(present.count)
            case .maximum: return present.max()
            }
        }
    }
}
