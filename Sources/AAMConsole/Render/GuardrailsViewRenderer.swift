import AAMControlProtocol

/// Guardrails: hits per detector and scope with a per-minute sparkline, then recent hits
/// (what fired where; the matched text never reaches the console).
enum GuardrailsViewRenderer {
    static func counterColumns(width: Int) -> TableColumns {
        let spark = min(60, max(10, (width - 40) / 2))
        return TableColumns([
            .init(title: "Detector", width: 8, flex: 1), .init(title: "Scope", width: 8, flex: 1),
            .init(title: "Action", width: 8), .init(title: "Total", width: 6, alignment: .right),
            .init(title: "Last \(spark) min", width: spark),
        ], totalWidth: width)
    }

    static func recentColumns(width: Int) -> TableColumns {
        TableColumns([
            .init(title: "Time", width: 8), .init(title: "Detector", width: 8, flex: 1), .init(title: "Dir", width: 8),
            .init(title: "Action", width: 8), .init(title: "Count", width: 5, alignment: .right),
            .init(title: "Scope", width: 8, flex: 1), .init(title: "Request", width: 8, flex: 1),
        ], totalWidth: width)
    }

    static func draw(_ state: ConsoleState, in body: BodyArea, into grid: inout ScreenGrid) {
        let summary = state.guardrails ?? GuardrailSummary(counters: [], recent: [])
        let counterHeight = ConsoleLayout.guardrailCounterRows(body: body.height) + 1
        let columns = counterColumns(width: body.width)
        let sparkWidth = columns.widths[4]
        let style = SparkStyle.simple(state.glyphs)
        ListRenderer.draw(state.guardrailCounters, columns: columns, position: state.position(for: .guardrails), body: body,
                          into: &grid, height: counterHeight, sort: state.sortMark(for: .guardrails),
                          empty: "no guardrail hits since the daemon started") { counter in
            let series = Array(counter.perMinute.suffix(sparkWidth))
            return [
                [Segment(counter.detector)], [Segment(counter.scope, .muted)], [Segment(counter.action)],
                [Segment(Format.compact(counter.total), .guardrailHit, bold: true)],
                [Segment(Sparkline.render(series.map { Double($0) }, width: series.count, style: style),
                         series.contains { $0 > 0 } ? .guardrailHit : .muted)],
            ]
        }
        let titleRow = body.top + counterHeight
        guard titleRow + 2 < body.bottom else { return }
        grid.write(" Recent hits", row: titleRow, column: 0, role: .title, bold: true)
        let recentTop = titleRow + 1
        ListRenderer.draw(summary.recent, columns: recentColumns(width: body.width), position: ListPosition(), body: body,
                          into: &grid, top: recentTop, height: body.bottom - recentTop, showSelection: false,
                          empty: "none yet") { hit in
            [
                [Segment(Format.clockTime(hit.time, in: state.timeZone), .muted)], [Segment(hit.detector, .guardrailHit)],
                [Segment(hit.direction)], [Segment(hit.action)], [Segment(String(hit.count))],
                [Segment(hit.scope ?? "—", .muted)], [Segment(hit.requestId, .muted)],
            ]
        }
    }
}
