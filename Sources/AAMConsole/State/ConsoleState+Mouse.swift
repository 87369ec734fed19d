/// A mouse event as the console understands it (the terminal layer maps curses' reports).
public struct MouseEvent: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// The left button went down.
        case press
        case wheelUp, wheelDown
    }

    public var kind: Kind
    public var row: Int
    public var column: Int

    public init(_ kind: Kind, row: Int, column: Int) {
        self.kind = kind
        self.row = row
        self.column = column
    }
}

/// The mouse: a click on a tab opens its view, on a column header sorts by it (again:
/// reverses), on a row selects it (on the selected Live row: opens its detail); the wheel
/// scrolls. Where things are comes from the same layout functions the renderers draw with.
extension ConsoleState {
    /// Rows the wheel moves per notch.
    static let wheelStep = 3

    public mutating func handle(mouse: MouseEvent) -> [ConsoleEffect] {
        // A dialog or the command line has the operator's attention: the mouse waits.
        guard overlay == nil, palette == nil, screenSize.isUsable else { return [] }
        switch mouse.kind {
        case .wheelUp: return move(by: -Self.wheelStep)
        case .wheelDown: return move(by: Self.wheelStep)
        case .press: break
        }
        if mouse.row == 0 {
            guard let tab = ConsoleRenderer.tabSpans(current: view, width: screenSize.width).first(where: {
                $0.start <= mouse.column && mouse.column < $0.end
            }) else { return [] }
            return tab.view == view ? [] : show(tab.view)
        }
        guard let list = listGeometry(for: view) else { return [] }
        if mouse.row == list.headerRow {
            guard let column = list.columns.column(at: mouse.column), column < SortColumns.titles(for: view).count else { return [] }
            return sort(by: column)
        }
        let line = mouse.row - list.headerRow - 1
        let count = itemCount(for: view)
        let visible = visibleItemRows(for: view)
        guard line >= 0, line < visible else { return [] }
        let position = self.position(for: view).clamped(count: count, visible: visible)
        let index = position.offset + line
        guard index < count else { return [] }
        if index == position.selected {
            return view == .live ? perform(.openDetail) : []
        }
        positions[view] = ListPosition(selected: index, offset: position.offset)
        isDirty = true
        return [.redraw]
    }

    /// Where a list view's column header is and its columns (nil: no clickable list).
    func listGeometry(for view: ConsoleView) -> (headerRow: Int, columns: TableColumns)? {
        let width = screenSize.width
        let top = ConsoleLayout.bodyTop
        switch view {
        case .live: return (top, LiveViewRenderer.columns(width: width))
        case .spend: return (top, SpendViewRenderer.layout(self, width: width).columns)
        case .providers: return (top, ProvidersViewRenderer.columns(width: width))
        case .guardrails: return (top, GuardrailsViewRenderer.counterColumns(width: width))
        case .keys: return (top, KeysViewRenderer.columns(width: width))
        case .agents: return (top, AgentsViewRenderer.agentColumns(width: width))
        case .replicas: return (top + 1, ReplicasViewRenderer.columns(width: width))
        case .aliases, .help: return nil
        }
    }
}
