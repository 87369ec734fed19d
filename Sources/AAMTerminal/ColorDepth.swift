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
    /// 24-bit color: the theme's exact RGB values (a terminal description with `RGB`).
    case direct

    /// Palette index of `color` at this depth (nil on a monochrome terminal).
    public func index(of color: RGBColor) -> Int? {
        switch self {
        case .monochrome: nil
        case .basic8: ColorDegradation.ansi8Index(for: color)
        case .basic16: ColorDegradation.ansi16Index(for: color)
        case .indexed256: ColorDegradation.xterm256Index(for: color)
        case .direct: Int(color.red) << 16 | Int(color.green) << 8 | Int(color.blue)
        }
    }

    /// `rgb`: the terminal description takes RGB values as colors (`aam_has_rgb`).
    public init(colors: Int, hasColors: Bool, rgb: Bool = false) {
        switch colors {
        case _ where !hasColors: self = .monochrome
        case _ where rgb: self = .direct
        case 256...: self = .indexed256
        case 16...: self = .basic16
        case 8...: self = .basic8
        default: self = .monochrome
        }
    }
}
