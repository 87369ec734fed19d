import Foundation

/// The strip under the tabs: the whole gateway at a glance (btop-style pulses), each figure
/// with its sparkline over the daemon's trend window (15 minutes, at any width: intervals are
/// merged when there are fewer samples than intervals): requests per second, error rate, p95
/// latency and spend per hour. Braille packs two samples per cell; ASCII on a monochrome theme.
enum TrendStripRenderer {
    struct Pulse {
        var label: String
        var value: String
        var series: [Double?]
        var role: ThemeRole
        /// Lowest top of the scale (so a trickle does not fill the sparkline).
        var floor: Double
        /// How intervals merge when the strip is too narrow for one sample each (p95 keeps the worst).
        var combine: Downsample.Combine = .mean
    }

    static func pulses(_ state: ConsoleState) -> [Pulse] {
        let trends = state.trends
        let rps = trends.requestsPerSecond(now: state.now)
        let errors = trends.errorRate(now: state.now)
        let p95 = trends.p95Ms(now: state.now)
        let spend = trends.spendPerHour(now: state.now)
        // The figure is the newest complete interval's (as the sparkline's right edge).
        let currentErrors = errors.last ?? nil
        return [
            Pulse(label: "req/s", value: (rps.last ?? nil).map(Format.compact) ?? "—", series: rps, role: .title, floor: 1),
            Pulse(label: "err", value: currentErrors.map(Format.percent) ?? "—", series: errors,
                  role: currentErrors.map { Roles.errorRate($0) == .mainForeground ? .statusOK : Roles.errorRate($0) } ?? .statusOK,
                  floor: 0.05),
            Pulse(label: "p95", value: (p95.last ?? nil).map(Format.latency) ?? "—", series: p95, role: .title, floor: 10, combine: .maximum),
            Pulse(label: "$/h", value: Format.money((spend.last ?? nil).map { String($0) }), series: spend, role: .spendBarMid,
                  floor: 0.01),
        ]
    }

    static func draw(_ state: ConsoleState, row: Int, into grid: inout ScreenGrid) {
        guard !state.trends.isEmpty else {
            let text = state.connection == .connecting ? "" : " trends: no history from the daemon yet"
            grid.write(text, row: row, column: 0, role: .muted)
            return
        }
        let pulses = pulses(state)
        let cellWidth = (grid.width - 1) / pulses.count
        let style = SparkStyle.dense(state.glyphs)
        for (index, pulse) in pulses.enumerated() {
            let start = 1 + index * cellWidth
            var x = grid.write(pulse.label + " ", row: row, column: start, role: .muted)
            x = grid.write(TextFit.fit(pulse.value, width: 7, alignment: .right), row: row, column: x, role: .mainForeground, bold: true)
            let sparkWidth = start + cellWidth - 1 - (x + 1)
            guard sparkWidth > 0 else { continue }
            // The whole window at any width: merged intervals where there are fewer samples than intervals.
            let series = Downsample.fit(pulse.series, to: sparkWidth * style.valuesPerCell, combine: pulse.combine)
            let top = max(pulse.floor, series.compactMap { $0 }.max() ?? 0)
            grid.write(Sparkline.render(series, width: sparkWidth, style: style, maximum: top), row: row, column: x + 1, role: pulse.role)
        }
    }
}
