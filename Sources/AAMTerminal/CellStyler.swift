import AAMConsole

/// How one cell is drawn: palette indices (nil on a monochrome terminal) and attributes.
public struct CellStyle: Sendable, Hashable {
    public var foreground: Int?
    public var background: Int?
    public var attributes: TextAttributes
}

/// Pure: the style of a cell from its role, selection and weight, at a color depth. Keeps a
/// cache per (role, selected, bold), so drawing a frame does no color arithmetic.
public struct CellStyler: Sendable {
    public let depth: ColorDepth
    let theme: Theme
    private var cache: [Key: CellStyle] = [:]

    struct Key: Hashable {
        var role: ThemeRole
        var selected: Bool
        var bold: Bool
    }

    public init(theme: Theme, depth: ColorDepth) {
        self.theme = theme
        self.depth = theme.monochrome ? .monochrome : depth
    }

    public mutating func style(role: ThemeRole, selected: Bool, bold: Bool) -> CellStyle {
        let key = Key(role: role, selected: selected, bold: bold)
        if let cached = cache[key] { return cached }
        let style = compute(key)
        cache[key] = style
        return style
    }

    func compute(_ key: Key) -> CellStyle {
        var attributes: TextAttributes = key.bold ? [.bold] : []
        guard depth != .monochrome else {
            attributes.formUnion(Theme.monochromeAttributes[key.role] ?? [])
            if key.selected { attributes.insert(.reverse) }
            return CellStyle(foreground: nil, background: nil, attributes: attributes)
        }
        let mainBackground = index(.mainBackground) ?? 0
        var background = key.selected ? (index(.rowSelectedBackground) ?? mainBackground) : mainBackground
        let foregroundRole: ThemeRole = key.selected && key.role == .mainForeground ? .rowSelectedForeground : key.role
        var foreground = index(foregroundRole) ?? index(.mainForeground) ?? 7
        if key.selected && background == mainBackground {
            // The palette cannot tell the selection apart (8/16 colors): show it reversed.
            attributes.insert(.reverse)
            background = mainBackground
        }
        if foreground == background { foreground = contrasting(onSelected: key.selected && !attributes.contains(.reverse)) }
        if key.role == .title { attributes.insert(.bold) }
        return CellStyle(foreground: foreground, background: background, attributes: attributes)
    }

    func index(_ role: ThemeRole) -> Int? {
        depth.index(of: theme.color(for: role))
    }

    /// When two theme colors collapse onto one palette entry, text must still be readable:
    /// white on a dark background, black on a light one.
    func contrasting(onSelected selected: Bool) -> Int {
        let role: ThemeRole = selected ? .rowSelectedBackground : .mainBackground
        let color = theme.color(for: role)
        let luminance = (299 * Int(color.red) + 587 * Int(color.green) + 114 * Int(color.blue)) / 1000
        if depth == .direct { return luminance < 128 ? 0xFFFFFF : 0x000000 }
        return luminance < 128 ? (depth == .basic8 ? 7 : 15) : 0
    }
}
