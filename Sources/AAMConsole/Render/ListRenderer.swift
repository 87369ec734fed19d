/// The common shape of the list views: a column header, then the rows around the selection.
enum ListRenderer {
    static func draw<Rows: RandomAccessCollection>(
        _ rows: Rows, columns: TableColumns, position: ListPosition, body: BodyArea, into grid: inout ScreenGrid,
        top: Int? = nil, height: Int? = nil, showSelection: Bool = true, sort: TableColumns.SortMark? = nil, empty: String,
        cells: (Rows.Element) -> [[Segment]]
    ) where Rows.Index == Int {
        let top = top ?? body.top
        let height = height ?? body.height
        columns.drawHeader(into: &grid, row: top, sort: sort)
        let visible = max(0, height - 1)
        guard !rows.isEmpty else {
            if visible > 1 { grid.write(empty, row: top + 2, column: 2, role: .muted) }
            return
        }
        let position = position.clamped(count: rows.count, visible: visible)
        for line in 0..<visible {
            let index = position.offset + line
            guard index < rows.count else { break }
            columns.drawRow(cells(rows[index]), into: &grid, row: top + 1 + line, selected: showSelection && index == position.selected)
        }
        // Where we are in a long list is on the status line (`StatusLineRenderer`): written on
        // the header's right edge it covered the last column's title ("Gu 12/2000").
    }
}

/// Which theme role tells an outcome, state or ratio at a glance.
enum Roles {
    static func outcome(_ outcome: String) -> ThemeRole {
        switch outcome {
        case "success": .statusOK
        case "rejected", "truncated": .statusCooldown
        case "cancelled": .statusDrained
        default: .statusError
        }
    }

    /// Budget bar color by fill: under 60% low, under 85% mid, else high.
    static func spend(ratio: Double) -> ThemeRole {
        switch ratio {
        case ..<0.6: .spendBarLow
        case ..<0.85: .spendBarMid
        default: .spendBarHigh
        }
    }

    static func errorRate(_ rate: Double) -> ThemeRole {
        switch rate {
        case 0.2...: .statusError
        case 0.05...: .statusCooldown
        default: .mainForeground
        }
    }

    static func keyState(_ state: String) -> ThemeRole {
        switch state {
        case "active": .statusOK
        case "grace": .statusCooldown
        case "revoked": .statusError
        default: .statusDrained
        }
    }
}
