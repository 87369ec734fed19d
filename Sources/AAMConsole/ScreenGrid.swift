/// One terminal cell: what to draw and what it means.
public struct ScreenCell: Sendable, Hashable {
    /// One grapheme cluster, or "" in the second column of a double-width character.
    public var text: String
    public var role: ThemeRole
    /// Drawn on the selected-row background (the role still picks the foreground).
    public var selected: Bool
    public var bold: Bool

    public init(text: String, role: ThemeRole = .mainForeground, selected: Bool = false, bold: Bool = false) {
        self.text = text
        self.role = role
        self.selected = selected
        self.bold = bold
    }

    public static let blank = ScreenCell(text: " ")
}

/// A frame as the renderers produce it and the terminal draws it: `height` rows of `width`
/// cells. Pure value, so views are tested by rendering into a fixed-size grid and comparing the
/// text (and roles) with golden files; only `AAMTerminal` turns it into curses calls.
public struct ScreenGrid: Sendable, Hashable {
    public let width: Int
    public let height: Int
    public private(set) var rows: [[ScreenCell]]

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        rows = Array(repeating: Array(repeating: .blank, count: self.width), count: self.height)
    }

    public subscript(row: Int, column: Int) -> ScreenCell {
        get { rows[row][column] }
        set {
            guard row >= 0, row < height, column >= 0, column < width else { return }
            rows[row][column] = newValue
        }
    }

    /// The plain text of every row (continuation cells omitted), for golden files and tmux-free checks.
    public var lines: [String] { rows.map { $0.map(\.text).joined() } }
}
