import AAMConsole

/// Pure: which rows of a new frame differ from the frame on screen, and how each row splits
/// into runs of cells drawn with one call each.
public enum FrameDiff {
    /// Rows to redraw: all of them when there is no previous frame or the size changed.
    public static func changedRows(previous: ScreenGrid?, next: ScreenGrid) -> [Int] {
        guard let previous, previous.width == next.width, previous.height == next.height else {
            return Array(0..<next.height)
        }
        return (0..<next.height).filter { previous.rows[$0] != next.rows[$0] }
    }

    /// A stretch of one row sharing a style, starting at `column`.
    public struct Run: Sendable, Equatable {
        public var column: Int
        public var text: String
        public var role: ThemeRole
        public var selected: Bool
        public var bold: Bool
    }

    /// Splits a row into runs of equal style. A run also ends after a double-width character
    /// (the cell followed by a "" continuation cell), so the next run is positioned explicitly
    /// and a width disagreement with the terminal cannot shift the rest of the row.
    public static func runs(_ row: [ScreenCell]) -> [Run] {
        var runs: [Run] = []
        var current: Run?
        var restartNext = false
        for (column, cell) in row.enumerated() {
            if cell.text.isEmpty {
                // Continuation of the wide character before it: drawn by that character.
                restartNext = true
                continue
            }
            if var run = current, !restartNext, run.role == cell.role, run.selected == cell.selected, run.bold == cell.bold {
                run.text += cell.text
                current = run
            } else {
                if let run = current { runs.append(run) }
                current = Run(column: column, text: cell.text, role: cell.role, selected: cell.selected, bold: cell.bold)
            }
            restartNext = false
        }
        if let run = current { runs.append(run) }
        return runs
    }
}
