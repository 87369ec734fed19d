import AAMControlProtocol

/// Providers: each deployment's health, cooldown, error rate, latency and drain state; on wide
/// terminals its p95 and error-rate sparklines over the trend window, with a `C` where a
/// cooldown began and a `D` where a drain did. The last two rows explain the selected
/// deployment (why it is in its state, and its sparklines at any width).
enum ProvidersViewRenderer {
    /// Width from which the table has room for the two sparkline columns.
    static let trendColumnsFrom = 110

    static func columns(width: Int) -> TableColumns {
        var columns: [TableColumns.Column] = [
            .init(title: "Deployment", width: 10, flex: 2), .init(title: "Provider", width: 8, flex: 1),
            .init(title: "State", width: 9), .init(title: "Cooldown", width: 8, alignment: .right),
            .init(title: "Err", width: 6, alignment: .right), .init(title: "p50", width: 7, alignment: .right),
            .init(title: "p95", width: 7, alignment: .right), .init(title: "InFl", width: 4, alignment: .right),
            .init(title: "Drain", width: 5),
        ]
        if width >= trendColumnsFrom {
            columns += [.init(title: "p95 trend", width: 12, flex: 1), .init(title: "Err trend", width: 12, flex: 1)]
        }
        return TableColumns(columns, totalWidth: width)
    }

    static func draw(_ state: ConsoleState, in body: BodyArea, into grid: inout ScreenGrid) {
        let empty = state.filter.isEmpty ? "no deployments (yet)" : "no deployments match the filter \"\(state.filter)\""
        let columns = columns(width: body.width)
        let style = SparkStyle.simple(state.glyphs)
        ListRenderer.draw(state.providerRows, columns: columns, position: state.position(for: .providers),
                          body: BodyArea(top: body.top, height: body.height - 2, width: body.width), into: &grid,
                          sort: state.sortMark(for: .providers), empty: empty) { row in
            var cells = cells(row)
            if columns.widths.count > 9 {
                cells.append(trendCell(state.trends.deploymentP95(row.deployment, now: state.now), markers: state.trends.deploymentMarkers(row.deployment, now: state.now),
                                       width: columns.widths[9], style: style, role: .title))
                cells.append(trendCell(state.trends.deploymentErrorRate(row.deployment, now: state.now), markers: state.trends.deploymentMarkers(row.deployment, now: state.now),
                                       width: columns.widths[10], style: style, role: .statusError, floor: 0.05))
            }
            return cells
        }
        guard let row = state.selectedProvider else { return }
        let (stateText, role) = health(row)
        let text = "\(row.deployment) (\(row.alias), \(row.upstreamModel), weight \(row.weight), priority \(row.priority)): "
        drawCell([Segment(text, .muted), Segment(stateText, role, bold: true), Segment(row.reason.map { " · " + $0 } ?? "", .muted)],
                 into: &grid, row: body.bottom - 2, column: 1, width: body.width - 2)
        drawCell(selectedTrends(row, state: state, width: body.width - 2), into: &grid, row: body.bottom - 1, column: 1, width: body.width - 2)
    }

    /// "p95 ▁▂▅▇ · errors ▁▁C▅ · C cooldown began, D drain began" for the selected deployment.
    static func selectedTrends(_ row: ProviderRow, state: ConsoleState, width: Int) -> [Segment] {
        guard !state.trends.isEmpty else { return [Segment("no trend history from the daemon", .muted)] }
        let style = SparkStyle.simple(state.glyphs)
        let markers = state.trends.deploymentMarkers(row.deployment, now: state.now)
        let sparkWidth = max(8, min(state.trends.complete(now: state.now).count, (width - 50) / 2))
        var segments = [Segment("p95 ", .muted)]
        segments += trendCell(state.trends.deploymentP95(row.deployment, now: state.now), markers: markers, width: sparkWidth, style: style, role: .title)
        segments.append(Segment("  errors ", .muted))
        segments += trendCell(state.trends.deploymentErrorRate(row.deployment, now: state.now), markers: markers, width: sparkWidth, style: style,
                              role: .statusError, floor: 0.05)
        // The window the daemon keeps (15 min on aamd), however much of it has happened yet.
        segments.append(Segment("  last \(Format.span(Double(state.trends.capacity * state.trends.intervalSeconds)))", .muted))
        if markers.contains(where: { $0 != nil }) { segments.append(Segment(" · C cooldown began, D drain began", .muted)) }
        return segments
    }

    /// A sparkline with the markers drawn over it (in their own colors).
    static func trendCell(
        _ values: [Double?], markers: [TrendMarker?], width: Int, style: SparkStyle, role: ThemeRole, floor: Double = 0
    ) -> [Segment] {
        let top = max(floor, values.compactMap { $0 }.max() ?? 0)
        let cells = Sparkline.cells(values, width: width, style: style, maximum: top)
        let shownMarkers = Array(repeating: nil, count: max(0, cells.count - markers.count)) + markers.suffix(cells.count)
        var segments: [Segment] = []
        var run = ""
        for (cell, marker) in zip(cells, shownMarkers) {
            guard let marker else {
                run.append(cell)
                continue
            }
            if !run.isEmpty { segments.append(Segment(run, role)) }
            run = ""
            segments.append(Segment(String(marker.glyph), marker == .cooldown ? .statusCooldown : .statusDrained, bold: true))
        }
        if !run.isEmpty { segments.append(Segment(run, role)) }
        return segments
    }

    /// Health word and role (`ProviderHealthWord`, the vocabulary `aam status` shares).
    static func health(_ row: ProviderRow) -> (String, ThemeRole) {
        let word = ProviderHealthWord(row)
        let role: ThemeRole = switch word {
        case .healthy: .statusOK
        case .probing, .cooldown: .statusCooldown
        case .failing: .statusError
        case .drained: .statusDrained
        }
        return (word.rawValue, role)
    }

    static func cells(_ row: ProviderRow) -> [[Segment]] {
        let (stateText, stateRole) = health(row)
        let drain: String = switch (row.providerDrained, row.deploymentDrained) {
        case (true, true): "both"
        case (true, false): "prov"
        case (false, true): "dep"
        case (false, false): ""
        }
        return [
            [Segment(row.deployment)],
            [Segment(row.provider)],
            [Segment(stateText, stateRole, bold: stateRole != .statusOK)],
            [Segment(row.cooldownRemainingSeconds > 0 ? Format.countdown(row.cooldownRemainingSeconds) : "—",
                     row.cooldownRemainingSeconds > 0 ? .statusCooldown : .muted)],
            [Segment(row.requestsInWindow == 0 ? "—" : Format.percent(row.errorRate),
                     row.requestsInWindow == 0 ? .muted : Roles.errorRate(row.errorRate))],
            [Segment(row.p50Ms.map(Format.latency) ?? "—", row.p50Ms == nil ? .muted : .mainForeground)],
            [Segment(row.p95Ms.map(Format.latency) ?? "—", row.p95Ms == nil ? .muted : .mainForeground)],
            [Segment(String(row.inFlight))],
            [Segment(drain, .statusDrained, bold: true)],
        ]
    }
}
