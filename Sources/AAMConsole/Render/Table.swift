/// A run of text in one role; a cell may hold several (key prefix in one color, scope in another).
struct Segment {
    var text: String
    var role: ThemeRole
    var bold = false

    init(_ text: String, _ role: ThemeRole = .mainForeground, bold: Bool = false) {
        self.text = text
        self.role = role
        self.bold = bold
    }
}

/// Column layout for the list views: fixed columns keep their width, flexible ones share the
/// rest by weight; one space of margin on the left and between columns.
struct TableColumns {
    struct Column {
        var title: String
        var width: Int
        var flex: Int = 0
        var alignment: TextFit.Alignment = .left
    }

    let columns: [Column]
    let widths: [Int]
    let starts: [Int]

    init(_ columns: [Column], totalWidth: Int) {
        self.columns = columns
        let fixed = columns.reduce(0) { $0 + ($1.flex == 0 ? $1.width : 0) } + columns.count
        let spare = max(0, totalWidth - fixed - 1)
        let weights = columns.reduce(0) { $0 + $1.flex }
        var widths: [Int] = []
        var given = 0
        var flexSeen = 0
        for column in columns {
            if column.flex == 0 {
                widths.append(column.width)
            } else {
                flexSeen += column.flex
                let share = weights == 0 ? 0 : spare * flexSeen / weights - given
                given += share
                widths.append(max(column.width, share))
            }
        }
        self.widths = widths
        var starts: [Int] = []
        var x = 1
        for width in widths {
            starts.append(x)
            x += width + 1
        }
        self.starts = starts
    }

    /// The column a view is sorted by and the glyph that says which way.
    struct SortMark: Equatable {
        var column: Int
        var glyph: Character
    }

    func drawHeader(into grid: inout ScreenGrid, row: Int, sort: SortMark? = nil) {
        grid.fill(row: row, role: .muted)
        for (index, column) in columns.enumerated() {
            var title = column.title
            if let sort, sort.column == index {
                // The mark always shows: the title gives way to it in a narrow column.
                title = TextFit.fit(title, width: max(0, widths[index] - 1)).trimmingTrailingSpaces() + String(sort.glyph)
            }
            grid.write(TextFit.fit(title, width: widths[index], alignment: column.alignment), row: row,
                       column: starts[index], role: sort?.column == index ? .keyHint : .muted, bold: true)
        }
    }

    /// The column under screen column `x` (nil in a margin or past the last column).
    func column(at x: Int) -> Int? {
        widths.indices.first { starts[$0] <= x && x < starts[$0] + widths[$0] + 1 }
    }

    /// Draws one row of cells; a selected row is filled on the selection background.
    func drawRow(_ cells: [[Segment]], into grid: inout ScreenGrid, row: Int, selected: Bool) {
        grid.fill(row: row, role: selected ? .rowSelectedForeground : .mainForeground, selected: selected)
        for (index, segments) in cells.enumerated() where index < widths.count {
            drawCell(segments, into: &grid, row: row, column: starts[index], width: widths[index],
                     alignment: columns[index].alignment, selected: selected)
        }
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}

/// Writes segments into `width` columns: truncated as a whole with `…`, each character keeping
/// the role of the segment it came from.
func drawCell(
    _ segments: [Segment], into grid: inout ScreenGrid, row: Int, column: Int, width: Int,
    alignment: TextFit.Alignment = .left, selected: Bool = false
) {
    let combined = segments.map(\.text).joined()
    let fitted = TextFit.fit(combined, width: width, alignment: alignment)
    var leading = 0
    if alignment == .right { leading = max(0, width - DisplayWidth.of(TextFit.sanitized(combined))) }
    var boundaries: [(end: Int, segment: Segment)] = []
    var end = leading
    for segment in segments {
        end += TextFit.sanitized(segment.text).count
        boundaries.append((end, segment))
    }
    var x = column
    var segmentIndex = 0
    for (index, character) in fitted.enumerated() {
        while segmentIndex < boundaries.count - 1 && index >= boundaries[segmentIndex].end { segmentIndex += 1 }
        let segment = boundaries.isEmpty ? Segment("") : boundaries[segmentIndex].segment
        var role = segment.role
        if selected && role == .mainForeground { role = .rowSelectedForeground }
        x = grid.write(String(character), row: row, column: x, limit: column + width, role: role, selected: selected, bold: segment.bold)
    }
}
