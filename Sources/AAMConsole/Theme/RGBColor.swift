/// A 24-bit color as a theme file writes it (`#rrggbb`).
public struct RGBColor: Sendable, Hashable, CustomStringConvertible {
    public var red: UInt8
    public var green: UInt8
    public var blue: UInt8

    public init(red: UInt8, green: UInt8, blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// Parses `#rrggbb` (case-insensitive); nil for anything else.
    public init?(hex: String) {
        let digits = Array(hex.utf8)
        guard digits.count == 7, digits[0] == UInt8(ascii: "#"),
              let value = UInt32(String(decoding: digits[1...], as: UTF8.self), radix: 16)
        else { return nil }
        self.init(red: UInt8(value >> 16 & 0xFF), green: UInt8(value >> 8 & 0xFF), blue: UInt8(value & 0xFF))
    }

    public var description: String {
        "#" + [red, green, blue].map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}

/// Nearest palette entries for terminals without 24-bit color. Pure, so degradation is tested.
public enum ColorDegradation {
    /// The 16 standard xterm colors (0-7 normal, 8-15 bright).
    public static let xterm16: [RGBColor] = [
        (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
        (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
    ].map { RGBColor(red: $0.0, green: $0.1, blue: $0.2) }

    private static let cubeLevels: [Int] = [0, 95, 135, 175, 215, 255]

    /// Nearest xterm-256 index: the closer of the 6x6x6 cube entry (16-231) and the grey ramp (232-255).
    public static func xterm256Index(for color: RGBColor) -> Int {
        let channels = [Int(color.red), Int(color.green), Int(color.blue)]
        let cube = channels.map(nearestCubeLevel)
        let cubeColor = cube.map { cubeLevels[$0] }
        let cubeIndex = 16 + 36 * cube[0] + 6 * cube[1] + cube[2]
        let average = channels.reduce(0, +) / 3
        let greyStep = min(23, max(0, (average - 3) / 10))
        let grey = 8 + 10 * greyStep
        let cubeDistance = distance(channels, cubeColor)
        let greyDistance = distance(channels, [grey, grey, grey])
        return greyDistance < cubeDistance ? 232 + greyStep : cubeIndex
    }

    /// Nearest of the 16 ANSI colors, by hue for colorful inputs (so "green means ok" survives on
    /// a 16-color terminal) and by lightness for greys.
    public static func ansi16Index(for color: RGBColor) -> Int {
        ansiIndex(for: color, allowBright: true)
    }

    /// Nearest of the 8 basic ANSI colors (0-7), same rule as `ansi16Index` without bright variants.
    public static func ansi8Index(for color: RGBColor) -> Int {
        ansiIndex(for: color, allowBright: false)
    }

    private static func ansiIndex(for color: RGBColor, allowBright: Bool) -> Int {
        let r = Double(color.red) / 255, g = Double(color.green) / 255, b = Double(color.blue) / 255
        let maximum = max(r, g, b), minimum = min(r, g, b)
        let chroma = maximum - minimum
        let lightness = (maximum + minimum) / 2
        if chroma < 0.12 || (maximum > 0 && chroma / maximum < 0.2) {
            // Grey: black, dark grey, light grey, white.
            if !allowBright { return lightness < 0.3 ? 0 : 7 }
            switch lightness {
            case ..<0.2: return 0
            case ..<0.55: return 8
            case ..<0.85: return 7
            default: return 15
            }
        }
        var hue: Double
        if maximum == r { hue = 60 * ((g - b) / chroma).truncatingRemainder(dividingBy: 6) }
        else if maximum == g { hue = 60 * ((b - r) / chroma + 2) }
        else { hue = 60 * ((r - g) / chroma + 4) }
        if hue < 0 { hue += 360 }
        // ANSI hues: red 0, yellow 60, green 120, cyan 180, blue 240, magenta 300.
        let sector = Int((hue + 30).truncatingRemainder(dividingBy: 360) / 60)
        let base = [1, 3, 2, 6, 4, 5][sector]
        return allowBright && maximum > 0.85 ? base + 8 : base
    }

    private static func nearestCubeLevel(_ value: Int) -> Int {
        var best = 0
        for (index, level) in cubeLevels.enumerated() where abs(level - value) < abs(cubeLevels[best] - value) {
            best = index
        }
        return best
    }

    private static func distance(_ a: [Int], _ b: [Int]) -> Int {
        zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
    }
}
