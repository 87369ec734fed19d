import AAMConsole

/// What the terminal can show, from `COLORS` (and whether the theme wants color at all).
public enum ColorDepth: Sendable, Hashable {
    /// Attributes only (bold, dim, reverse, underline): no color support or a monochrome theme.
    case monochrome
    /// The eight ANSI colors.
    case basic8
    /// The eight ANSI colors and their bright variants.
    case basic16
    /// The xterm 256-color palette.
    case indexed256

    /// Palette index of `color` at this depth (nil on a monochrome terminal).
    public func index(of color: RGBColor) -> Int? {
        switch self {
        case .monochrome: nil
        case .basic8: ColorDegradation.ansi8Index(for: color)
        case .basic16: ColorDegradation.ansi16Index(for: color)
        case .indexed256: ColorDegradation.xterm256Index(for: color)
        }
    }

    public init(colors: Int, hasColors: Bool) {
        switch colors {
        case _ where !hasColors: self = .monochrome
        case 256...: self = .indexed256
        case 16...: self = .basic16
        case 8...: self = .basic8
        default: self = .monochrome
        }
    }
}
