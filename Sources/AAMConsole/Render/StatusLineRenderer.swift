import AAMControlProtocol
import Foundation

/// The two bottom lines: connection/daemon/rate/missed/paused/filter/message, then key hints.
enum StatusLineRenderer {
    static func draw(_ state: ConsoleState, row: Int, into grid: inout ScreenGrid) {
        grid.fill(row: row, role: .border)
        if let palette = state.palette {
            // The command line takes the status line while it is open (as k9s's prompt).
            let x = grid.write(":", row: row, column: 1, role: .keyHint, bold: true)
            grid.write(palette.text + "▏", row: row, column: x, limit: grid.width - 1, role: .keyHint, bold: true)
            return
        }
        var parts: [[Segment]] = [connection(state)]
        if case .connected = state.connection, let daemon = state.daemon {
            parts.append([Segment("aamd \(daemon.version) pid \(daemon.pid)", .muted)])
        }
        if case .connected = state.connection, let cluster = state.status?.cluster { parts.append(clusterHealth(cluster)) }
        parts.append([Segment("\(Format.compact(state.eventRate)) ev/s", .mainForeground)])
        if state.view != .help {
            // Counted once: on a sorted Live view each count sorts the ring.
            let count = state.itemCount(for: state.view)
            let visible = state.visibleItemRows(for: state.view)
            if count > visible {
                let selected = state.position(for: state.view).clamped(count: count, visible: visible).selected
                parts.append([Segment("row \(selected + 1)/\(count)", .muted)])
            }
        }
        if state.missedEvents > 0 { parts.append([Segment("missed \(state.missedEvents) events", .statusCooldown, bold: true)]) }
        if state.isPaused {
            parts.append([Segment("PAUSED", .statusCooldown, bold: true), Segment(" +\(state.eventsWhilePaused) new", .muted)])
        }
        if state.isEditingFilter || !state.filter.isEmpty {
            parts.append([Segment("filter: ", .muted), Segment(state.filter + (state.isEditingFilter ? "▏" : ""), .keyHint, bold: true)])
        }
        if let message = state.statusMessage {
            parts.append([Segment(message.text, message.isError ? .statusError : .muted)])
        }
        var x = 1
        for (index, part) in parts.enumerated() {
            if index > 0 { x = grid.write(" │ ", row: row, column: x, role: .border) }
            for segment in part {
                x = grid.write(segment.text, row: row, column: x, limit: grid.width - 1, role: segment.role, bold: segment.bold)
            }
            if x >= grid.width - 1 { break }
        }
        // Make truncation visible rather than silently cutting the last message.
        if x >= grid.width - 1, let last = parts.last?.last, DisplayWidth.of(last.text) > 0 {
            grid.write("…", row: row, column: grid.width - 2, role: last.role)
        }
    }

    /// "cluster 3/3 live", and "config stale 12s" in the error color once this replica's
    /// configuration is behind (as `/readyz` says "stale").
    static func clusterHealth(_ cluster: ClusterHealth) -> [Segment] {
        var segments = [Segment("cluster ", .muted),
                        Segment("\(cluster.live)/\(cluster.total) live", cluster.live == cluster.total ? .statusOK : .statusError, bold: true)]
        if cluster.isConfigStale {
            segments.append(Segment(" config stale \(Format.span(cluster.configStaleSeconds))", .statusError, bold: true))
        }
        return segments
    }

    static func connection(_ state: ConsoleState) -> [Segment] {
        switch state.connection {
        case .connecting:
            return [Segment("◌ connecting…", .statusCooldown, bold: true)]
        case .connected:
            return [Segment("● connected", .statusOK, bold: true)]
        case .disconnected(let reason, let retryAt):
            var text = "✕ disconnected: \(reason)"
            if let retryAt { text += ", retrying in \(Format.countdown(max(0, retryAt.timeIntervalSince(state.now))))" }
            return [Segment(text, .statusError, bold: true)]
        }
    }

    static func drawHints(_ state: ConsoleState, row: Int, into grid: inout ScreenGrid) {
        grid.fill(row: row, role: .muted)
        var x = 1
        for (key, text) in hints(state) {
            guard x < grid.width - 1 else { break }
            x = grid.write(key, row: row, column: x, limit: grid.width - 1, role: .keyHint, bold: true)
            x = grid.write(" " + text + "  ", row: row, column: x, limit: grid.width - 1, role: .muted)
        }
    }

    /// While the palette is open: what the typed command does, or what Tab would complete to.
    static func paletteHints(_ palette: CommandPalette) -> [(String, String)] {
        let (word, _) = palette.parts
        if palette.text.contains(" "), let command = PaletteCommands.command(named: word) {
            var hints: [(String, String)] = [(":" + command.name, command.help)]
            if !palette.candidates.isEmpty { hints.append(("Tab", palette.candidates.prefix(12).joined(separator: " "))) }
            return hints
        }
        if palette.candidates.isEmpty { return [("Esc", "no such command")] }
        return [("Tab", palette.candidates.prefix(16).joined(separator: " ")), ("Enter", "run"), ("Esc", "close")]
    }

    static func hints(_ state: ConsoleState) -> [(String, String)] {
        switch state.overlay {
        case .confirm?: return [("y", "yes"), ("n/Esc", "no")]
        case .prompt?: return [("Enter", "next / submit"), ("Tab", "field"), ("Esc", "cancel")]
        case .secret?: return [("Enter/Esc", "dismiss (the secret is shown only once)")]
        case .detail?: return [("j/k", "previous / next call"), ("Esc/Enter", "close")]
        case nil: break
        }
        if let palette = state.palette { return paletteHints(palette) }
        if state.isEditingFilter { return [("type", "to filter"), ("Enter", "keep"), ("Esc", "clear")] }
        return [("1-\(ConsoleView.allCases.count)", "views")] + KeyBindings.hints(in: state.view).map { ($0.hintKey, $0.hint ?? "") }
    }
}
