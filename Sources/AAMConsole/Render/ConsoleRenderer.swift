import Foundation

/// Turns a `ConsoleState` into a frame: header (view tabs, daemon), the current view's body,
/// an overlay if any, the status line and the key-hint line. Pure: same state and size, same grid.
public enum ConsoleRenderer {
    /// The frame for `state` at `size`: below 80x24 only a "terminal too small" notice.
    public static func render(_ state: ConsoleState, into size: ScreenSize) -> ScreenGrid {
        var grid = ScreenGrid(width: size.width, height: size.height)
        guard size.isUsable else {
            drawTooSmall(into: &grid)
            return grid
        }
        drawHeader(state, into: &grid)
        TrendStripRenderer.draw(state, row: ConsoleLayout.trendStripRow, into: &grid)
        let body = BodyArea(top: ConsoleLayout.bodyTop, height: ConsoleLayout.bodyHeight(size), width: size.width)
        switch state.view {
        case .live: LiveViewRenderer.draw(state, in: body, into: &grid)
        case .spend: SpendViewRenderer.draw(state, in: body, into: &grid)
        case .providers: ProvidersViewRenderer.draw(state, in: body, into: &grid)
        case .guardrails: GuardrailsViewRenderer.draw(state, in: body, into: &grid)
        case .keys: KeysViewRenderer.draw(state, in: body, into: &grid)
        case .aliases: AliasesViewRenderer.draw(state, in: body, into: &grid)
        case .agents: AgentsViewRenderer.draw(state, in: body, into: &grid)
        case .replicas: ReplicasViewRenderer.draw(state, in: body, into: &grid)
        case .help: HelpViewRenderer.draw(state, in: body, into: &grid)
        }
        if let overlay = state.overlay { OverlayRenderer.draw(overlay, state: state, in: body, into: &grid) }
        StatusLineRenderer.draw(state, row: size.height - 2, into: &grid)
        StatusLineRenderer.drawHints(state, row: size.height - 1, into: &grid)
        return grid
    }

    /// Same as `render(_:into:)` at the state's own screen size.
    public static func render(_ state: ConsoleState) -> ScreenGrid { render(state, into: state.screenSize) }

    static func drawTooSmall(into grid: inout ScreenGrid) {
        let lines = [
            "terminal too small (need \(ScreenSize.minimum.width)x\(ScreenSize.minimum.height))",
            "now \(grid.width)x\(grid.height)",
        ]
        let top = max(0, (grid.height - lines.count) / 2)
        for (index, line) in lines.enumerated() {
            let text = DisplayWidth.of(line) > grid.width ? TextFit.fit(line, width: grid.width) : line
            let left = max(0, (grid.width - DisplayWidth.of(text)) / 2)
            grid.write(text, row: top + index, column: left, role: index == 0 ? .statusError : .muted, bold: index == 0)
        }
    }

    /// Where each view's tab sits on the header row (the mouse clicks them, the header draws them).
    struct TabSpan: Equatable {
        var view: ConsoleView
        var start: Int
        var text: String
        var end: Int { start + DisplayWidth.of(text) }
    }

    static let brand = " AAM "

    /// Narrow terminals drop each tab's trailing space, then shorten the other tabs' titles, so
    /// every view's number stays visible.
    static func tabSpans(current: ConsoleView, width: Int) -> [TabSpan] {
        let start = DisplayWidth.of(brand)
        func total(pad: String, short: Bool) -> Int {
            ConsoleView.allCases.reduce(start) { total, view in
                let title = short && view != current ? view.shortTitle : view.title
                return total + DisplayWidth.of(" \(view.number) \(title)\(pad)")
            }
        }
        let pad = total(pad: " ", short: false) <= width ? " " : ""
        let short = total(pad: pad, short: false) > width
        var x = start
        return ConsoleView.allCases.map { view in
            let title = short && view != current ? view.shortTitle : view.title
            let span = TabSpan(view: view, start: x, text: " \(view.number) \(title)\(pad)")
            x = span.end
            return span
        }
    }

    static func drawHeader(_ state: ConsoleState, into grid: inout ScreenGrid) {
        grid.fill(row: 0, role: .title)
        var x = grid.write(brand, row: 0, column: 0, role: .title, bold: true)
        for span in tabSpans(current: state.view, width: grid.width) {
            let current = span.view == state.view
            x = grid.write(span.text, row: 0, column: span.start, role: current ? .title : .muted, selected: current, bold: current)
        }
        if let daemon = state.daemon {
            let label = "aamd \(daemon.version) "
            let width = DisplayWidth.of(label)
            if x + 1 + width <= grid.width { grid.write(label, row: 0, column: grid.width - width, role: .muted) }
        }
    }
}

/// The rows a view may draw in.
struct BodyArea {
    var top: Int
    var height: Int
    var width: Int
    var bottom: Int { top + height }
}
