import AAMControlProtocol

/// Aliases: each alias's strategy, its deployments (weight, priority, drained) and the
/// fallback order; deployments and fallbacks are the selectable lines.
enum AliasesViewRenderer {
    enum Line {
        case alias(AliasRow)
        case columnHeader
        case deployment(AliasRow.Member, item: Int)
        case fallbackHeader
        case fallback(String, position: Int, item: Int)
        case note(String)
        case blank
    }

    static func lines(_ aliases: [AliasRow]) -> [Line] {
        var lines: [Line] = []
        var item = 0
        for alias in aliases {
            if !lines.isEmpty { lines.append(.blank) }
            lines.append(.alias(alias))
            lines.append(.columnHeader)
            if alias.deployments.isEmpty { lines.append(.note("no deployments")) }
            for member in alias.deployments {
                lines.append(.deployment(member, item: item))
                item += 1
            }
            lines.append(alias.fallbacks.isEmpty ? .note("no fallbacks") : .fallbackHeader)
            for (index, fallback) in alias.fallbacks.enumerated() {
                lines.append(.fallback(fallback, position: index + 1, item: item))
                item += 1
            }
        }
        return lines
    }

    static func columns(width: Int) -> TableColumns {
        TableColumns([
            .init(title: "", width: 2), .init(title: "Deployment", width: 10, flex: 2), .init(title: "Provider", width: 8, flex: 1),
            .init(title: "Model", width: 10, flex: 2), .init(title: "Weight", width: 6, alignment: .right),
            .init(title: "Prio", width: 4, alignment: .right), .init(title: "State", width: 7),
        ], totalWidth: width)
    }

    static func draw(_ state: ConsoleState, in body: BodyArea, into grid: inout ScreenGrid) {
        guard !state.aliases.isEmpty else {
            grid.write("no aliases", row: body.top + 1, column: 2, role: .muted)
            return
        }
        let lines = lines(state.aliases)
        let selected = state.selectedIndex(in: .aliases)
        let selectedLine = lines.firstIndex { line in
            switch line {
            case .deployment(_, let item), .fallback(_, _, let item): item == selected
            default: false
            }
        } ?? 0
        // Keep the selected line visible, with its alias title above it when there is room.
        let offset = min(max(0, selectedLine - body.height + 2), max(0, lines.count - body.height))
        let columns = columns(width: body.width)
        for (row, line) in lines.dropFirst(offset).prefix(body.height).enumerated() {
            draw(line, columns: columns, selected: selected, row: body.top + row, into: &grid)
        }
    }

    static func draw(_ line: Line, columns: TableColumns, selected: Int?, row: Int, into grid: inout ScreenGrid) {
        switch line {
        case .alias(let alias):
            var x = grid.write(" " + alias.name, row: row, column: 0, role: .title, bold: true)
            x = grid.write("  \(alias.strategy)", row: row, column: x, role: .mainForeground)
            grid.write(" · \(alias.retries) retr\(alias.retries == 1 ? "y" : "ies")", row: row, column: x, role: .muted)
        case .columnHeader:
            columns.drawHeader(into: &grid, row: row)
        case .deployment(let member, let item):
            columns.drawRow([
                [Segment("")], [Segment(member.deployment)], [Segment(member.provider)], [Segment(member.upstreamModel, .muted)],
                [Segment(String(member.weight), member.weight == 0 ? .statusDrained : .mainForeground, bold: true)],
                [Segment(String(member.priority))],
                [Segment(member.drained ? "drained" : "", .statusDrained, bold: true)],
            ], into: &grid, row: row, selected: item == selected)
        case .fallbackHeader:
            grid.write("Fallbacks, in order", row: row, column: columns.starts[1], role: .muted, bold: true)
        case .fallback(let name, let position, let item):
            columns.drawRow([[Segment("")], [Segment("\(position). ", .muted), Segment(name)]],
                            into: &grid, row: row, selected: item == selected)
        case .note(let text):
            grid.write(text, row: row, column: columns.starts[1], role: .muted)
        case .blank:
            break
        }
    }
}
