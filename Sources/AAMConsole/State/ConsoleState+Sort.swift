/// Sorting by column: `s` moves to the next sortable column (and after the last, back to the
/// daemon's order), `S` reverses, a click on a column header sorts by it (again: reverses).
extension ConsoleState {
    mutating func cycleSort() -> [ConsoleEffect] {
        let titles = SortColumns.titles(for: view)
        guard !titles.isEmpty else { return refuseSort() }
        if let current = sorts[view], current.column + 1 >= titles.count {
            sorts[view] = nil
            say("sort: \(view == .live ? "newest first" : "as the daemon lists them")")
        } else {
            let column = sorts[view].map { $0.column + 1 } ?? 0
            sorts[view] = SortOrder(column: column)
            say("sort: \(titles[column]) ascending")
        }
        positions[view] = ListPosition()
        return [.redraw]
    }

    mutating func reverseSort() -> [ConsoleEffect] {
        let titles = SortColumns.titles(for: view)
        guard !titles.isEmpty else { return refuseSort() }
        var order = sorts[view] ?? SortOrder(column: 0)
        order.descending.toggle()
        sorts[view] = order
        positions[view] = ListPosition()
        say("sort: \(titles[order.column]) \(order.descending ? "descending" : "ascending")")
        return [.redraw]
    }

    /// Sorts by `column`; the column already sorted by is reversed instead.
    mutating func sort(by column: Int) -> [ConsoleEffect] {
        let titles = SortColumns.titles(for: view)
        guard titles.indices.contains(column) else { return refuseSort() }
        if sorts[view]?.column == column { return reverseSort() }
        sorts[view] = SortOrder(column: column)
        positions[view] = ListPosition()
        say("sort: \(titles[column]) ascending")
        return [.redraw]
    }

    private mutating func refuseSort() -> [ConsoleEffect] {
        say("the \(view.title) view does not sort", error: true)
        return [.redraw]
    }

    /// The header mark of `view`'s sorted column (▲ ascending, ▼ descending; `^`/`v` in ASCII).
    func sortMark(for view: ConsoleView) -> TableColumns.SortMark? {
        guard let order = sorts[view] else { return nil }
        let glyph: Character = switch (order.descending, glyphs) {
        case (false, .unicode): "▲"
        case (true, .unicode): "▼"
        case (false, .ascii): "^"
        case (true, .ascii): "v"
        }
        return TableColumns.SortMark(column: order.column, glyph: glyph)
    }
}
