/// A 24-bit color as themes write it (`#rrggbb`).
public struct TerminalRGB: Sendable, Hashable {
    public var red: UInt8
    public var green: UInt8
    public var blue: UInt8
    public init(red: UInt8, green: UInt8, blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }
}

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

/// Nearest palette index of a theme color, the way 256- and 16-color terminals degrade.
public enum ColorApproximation {
    /// The six levels of each channel in the xterm 6x6x6 cube (indices 16…231).
    static let cubeLevels: [Int] = [0, 95, 135, 175, 215, 255]

    /// Nearest xterm-256 index, choosing between the color cube and the grey ramp (232…255).
    public static func xterm256(_ color: TerminalRGB) -> Int {
        let channels = [Int(color.red), Int(color.green), Int(color.blue)]
        let cube = channels.map(nearestCubeLevel)
        let cubeIndex = 16 + 36 * cube[0] + 6 * cube[1] + cube[2]
        let cubeColor = cube.map { cubeLevels[$0] }
        let average = channels.reduce(0, +) / 3
        let greyStep = max(0, min(23, (average - 8 + 5) / 10))
        let greyLevel = 8 + 10 * greyStep
        let cubeDistance = distance(channels, cubeColor)
        let greyDistance = distance(channels, [greyLevel, greyLevel, greyLevel])
        return greyDistance < cubeDistance ? 232 + greyStep : cubeIndex
    }

    /// Nearest of the first `count` ANSI colors (8 or 16), by hue rather than by distance:
    /// themes use muted tones, and a distance in RGB would send a dusty red to magenta or a
    /// sage green to grey. Unsaturated or very dark colors become black, grey or white by brightness.
    public static func ansi(_ color: TerminalRGB, count: Int) -> Int {
        let r = Double(color.red), g = Double(color.green), b = Double(color.blue)
        let high = max(r, g, b), low = min(r, g, b)
        let bright = count >= 16
        let luminance = 0.299 * r + 0.587 * g + 0.114 * b
        // Very dark tones read as black whatever their hue (a theme's blue-black background).
        guard high >= 96, (high - low) / high >= 0.18 else {
            switch luminance {
            case ..<64: return 0
            case ..<128: return bright ? 8 : 0
            case ..<200: return 7
            default: return bright ? 15 : 7
            }
        }
        var hue: Double
        if high == r {
            hue = 60 * ((g - b) / (high - low))
        } else if high == g {
            hue = 60 * ((b - r) / (high - low)) + 120
        } else {
            hue = 60 * ((r - g) / (high - low)) + 240
        }
        if hue < 0 { hue += 360 }
        // ANSI order: 1 red (0°), 3 yellow (60°), 2 green (120°), 6 cyan (180°), 4 blue (240°), 5 magenta (300°).
        let byHue = [1, 3, 2, 6, 4, 5]
        let base = byHue[Int((hue + 30).truncatingRemainder(dividingBy: 360) / 60)]
        return bright && high > 200 ? base + 8 : base
    }

    /// Palette index for `color` at `depth` (nil on a monochrome terminal).
    public static func index(_ color: TerminalRGB, depth: ColorDepth) -> Int? {
        switch depth {
        case .monochrome: nil
        case .basic8: ansi(color, count: 8)
        case .basic16: ansi(color, count: 16)
        case .indexed256: xterm256(color)
        }
    }

    static func nearestCubeLevel(_ value: Int) -> Int {
        var best = 0
        for (index, level) in cubeLevels.enumerated() where abs(level - value) < abs(cubeLevels[best] - value) { best = index }
        return best
    }

    /// Squared distance weighted toward green, the channel the eye resolves best.
    static func distance(_ a: [Int], _ b: [Int]) -> Int {
        let dr = a[0] - b[0], dg = a[1] - b[1], db = a[2] - b[2]
        return 2 * dr * dr + 4 * dg * dg + 3 * db * db
    }
}
