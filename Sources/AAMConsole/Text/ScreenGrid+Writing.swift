extension ScreenGrid {
    /// Writes `text` from `column` on `row`, at most up to column `limit` (exclusive, default
    /// the grid width), and returns the column after the last one written. Wide characters take
    /// two cells (the second holds ""); one that does not fit before `limit` is replaced by a
    /// space. Zero-width clusters are dropped, control characters shown as `?`.
    @discardableResult
    public mutating func write(
        _ text: String, row: Int, column: Int, limit: Int? = nil, role: ThemeRole = .mainForeground,
        selected: Bool = false, bold: Bool = false
    ) -> Int {
        guard row >= 0, row < height else { return column }
        let end = min(limit ?? width, width)
        var x = column
        for character in TextFit.sanitized(text) {
            guard x < end else { break }
            let characterWidth = DisplayWidth.of(character)
            if characterWidth == 0 { continue }
            if characterWidth == 2 && x + 1 >= end {
                put(ScreenCell(text: " ", role: role, selected: selected, bold: bold), row: row, column: x)
                x += 1
                break
            }
            if x >= 0 {
                put(ScreenCell(text: String(character), role: role, selected: selected, bold: bold), row: row, column: x)
                if characterWidth == 2 {
                    put(ScreenCell(text: "", role: role, selected: selected, bold: bold), row: row, column: x + 1)
                }
            }
            x += characterWidth
        }
        return x
    }

    /// Fills columns `from..<to` of `row` with spaces in `role`.
    public mutating func fill(row: Int, from: Int = 0, to: Int? = nil, role: ThemeRole = .mainForeground, selected: Bool = false) {
        let end = min(to ?? width, width)
        guard from < end else { return }
        for x in max(0, from)..<end {
            put(ScreenCell(text: " ", role: role, selected: selected), row: row, column: x)
        }
    }

    /// Sets one cell, repairing any wide character it cuts in half (its other half becomes a space).
    mutating func put(_ cell: ScreenCell, row: Int, column: Int) {
        guard row >= 0, row < height, column >= 0, column < width else { return }
        let old = self[row, column]
        if old.text.isEmpty && column > 0 && !cell.text.isEmpty {
            var left = self[row, column - 1]
            left.text = " "
            self[row, column - 1] = left
        }
        if !old.text.isEmpty && column + 1 < width && self[row, column + 1].text.isEmpty && DisplayWidth.of(old.text) == 2 {
            var right = self[row, column + 1]
            right.text = " "
            self[row, column + 1] = right
        }
        self[row, column] = cell
    }
}
