/// Text attributes a monochrome terminal uses instead of colors.
public struct TextAttributes: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let bold = TextAttributes(rawValue: 1 << 0)
    public static let reverse = TextAttributes(rawValue: 1 << 1)
    public static let underline = TextAttributes(rawValue: 1 << 2)
    public static let dim = TextAttributes(rawValue: 1 << 3)
}

/// A console color theme: one color per role, plus the monochrome flag (the terminal then
/// draws roles with attributes from `monochromeAttributes` instead of colors).
public struct Theme: Sendable, Equatable {
    public var name: String
    public var colors: [ThemeRole: RGBColor]
    public var monochrome: Bool

    public init(name: String, colors: [ThemeRole: RGBColor], monochrome: Bool = false) {
        self.name = name
        self.colors = colors
        self.monochrome = monochrome
    }

    /// The role's color; roles a theme does not set come from the built-in dark default.
    public func color(for role: ThemeRole) -> RGBColor {
        colors[role] ?? Theme.dark.colors[role] ?? RGBColor(red: 0xD8, green: 0xDE, blue: 0xE9)
    }

    /// Attributes to draw `role` with on a monochrome terminal (selected rows add `reverse`).
    public func attributes(for role: ThemeRole, selected: Bool = false) -> TextAttributes {
        var attributes = monochrome ? (Theme.monochromeAttributes[role] ?? []) : []
        if selected && monochrome { attributes.insert(.reverse) }
        return attributes
    }

    /// How the monochrome theme tells roles apart without color.
    public static let monochromeAttributes: [ThemeRole: TextAttributes] = [
        .mainBackground: [], .mainForeground: [], .title: [.bold], .border: [.dim],
        .statusOK: [], .statusCooldown: [.underline], .statusError: [.bold], .statusDrained: [.dim],
        .spendBarLow: [.dim], .spendBarMid: [], .spendBarHigh: [.bold],
        .rowSelectedBackground: [.reverse], .rowSelectedForeground: [.reverse],
        .guardrailHit: [.bold, .underline], .muted: [.dim], .keyHint: [.bold],
    ]

    /// Built-in default (same values as `themes/dark.theme`), used when no file is found and
    /// for every role a theme file leaves out.
    public static let dark = Theme(name: "dark", colors: [
        .mainBackground: "#1c1f24", .mainForeground: "#d8dee9", .title: "#88c0d0", .border: "#4c566a",
        .statusOK: "#a3be8c", .statusCooldown: "#ebcb8b", .statusError: "#bf616a", .statusDrained: "#7b88a1",
        .spendBarLow: "#a3be8c", .spendBarMid: "#ebcb8b", .spendBarHigh: "#bf616a",
        .rowSelectedBackground: "#3b4252", .rowSelectedForeground: "#eceff4",
        .guardrailHit: "#b48ead", .muted: "#7b88a1", .keyHint: "#81a1c1",
    ].compactMapValues { RGBColor(hex: $0) })

    /// Theme names `t` cycles through, in order.
    public static let builtInNames = ["dark", "light", "mono"]
}
