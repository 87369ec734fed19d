import AAMControlProtocol
import Foundation

/// Spend: the org > team > project > key tree, then providers and deployments with budgets; a
/// budget bar per period, tokens and burn rate. From 100 columns a "Runs out" column projects
/// the most pressing budget at the current burn rate (warning colors as it nears), and from
/// 140 a sparkline of the scope's spend over the trend window. The last row says the
/// selected scope's projection in words.
enum SpendViewRenderer {
    static let periodOrder = ["daily", "weekly", "monthly", "total"]
    /// Scope (min 16) + tokens + today + burn, with their separators and the left margin.
    static let fixedWidth = 1 + 17 + 8 + 10 + 10
    static let projectionFrom = 100
    static let trendFrom = 140
    static let projectionWidth = 8
    static let trendWidth = 16

    /// Periods that appear in any budget, in calendar order (unknown ones after, as they come).
    static func periods(_ rows: [SpendRow]) -> [String] {
        var seen: [String] = []
        for row in rows { for budget in row.budgets where !seen.contains(budget.period) { seen.append(budget.period) } }
        return periodOrder.filter(seen.contains) + seen.filter { !periodOrder.contains($0) }
    }

    struct Layout {
        var columns: TableColumns
        var periods: [String]
        var barColumn: Int
        var projection: Bool
        var trend: Bool
    }

    static func layout(_ state: ConsoleState, width: Int) -> Layout {
        let projection = width >= projectionFrom
        let trend = width >= trendFrom && !state.trends.isEmpty
        // Every period gets a bar column of 12-20 cells if they fit; else as many as fit at 12.
        let all = periods(state.spend)
        let room = width - fixedWidth - (projection ? projectionWidth + 1 : 0) - (trend ? trendWidth + 1 : 0)
        let barColumn = min(20, max(12, all.isEmpty ? 20 : room / all.count - 1))
        let shown = Array(all.prefix(max(0, room / (barColumn + 1))))
        var columns: [TableColumns.Column] = [
            .init(title: "Scope", width: 16, flex: 1), .init(title: "Tokens", width: 7, alignment: .right),
            .init(title: "Today", width: 9, alignment: .right), .init(title: "Burn/h", width: 9, alignment: .right),
        ]
        if trend { columns.append(.init(title: "Spend 15m", width: trendWidth)) }
        columns += shown.map { .init(title: $0.capitalized, width: barColumn) }
        if projection { columns.append(.init(title: "Runs out", width: projectionWidth)) }
        return Layout(columns: TableColumns(columns, totalWidth: width), periods: shown, barColumn: barColumn, projection: projection, trend: trend)
    }

    static func draw(_ state: ConsoleState, in body: BodyArea, into grid: inout ScreenGrid) {
        let tree = state.spendTree
        let layout = layout(state, width: body.width)
        ListRenderer.draw(tree, columns: layout.columns, position: state.position(for: .spend),
                          body: BodyArea(top: body.top, height: body.height - 1, width: body.width), into: &grid,
                          sort: state.sortMark(for: .spend), empty: "no spend yet") { item in
            var cells = cells(item, periods: layout.periods, barColumn: layout.barColumn)
            if layout.trend {
                let series = state.trends.spend(ofScope: "\(item.row.kind):\(item.row.id)", now: state.now)
                cells.insert([Segment(Sparkline.render(series, width: trendWidth, style: .simple(state.glyphs)), .spendBarMid)], at: 4)
            }
            if layout.projection { cells.append(projectionCell(item.row, now: state.now)) }
            return cells
        }
        if let index = state.selectedIndex(in: .spend) {
            drawCell(sentence(tree[index].row, now: state.now), into: &grid, row: body.bottom - 1, column: 1, width: body.width - 2)
        }
    }

    static func cells(_ item: SpendTreeItem, periods: [String], barColumn: Int) -> [[Segment]] {
        let row = item.row
        let kind = ["org": "org", "team": "team", "project": "proj", "key": "key", "provider": "prov", "deployment": "depl"][row.kind] ?? row.kind
        var cells: [[Segment]] = [
            [Segment(String(repeating: "  ", count: item.depth) + kind + " ", .muted), Segment(row.name ?? row.id, bold: item.depth == 0)],
            [Segment(Format.compact(row.tokensToday))],
            [Segment(Format.money(row.spentTodayUSD))],
            [Segment(Format.money(row.burnRateUSDPerHour), .muted)],
        ]
        for period in periods {
            cells.append(bar(row.budgets.first { $0.period == period }, width: barColumn))
        }
        return cells
    }

    /// Each USD budget of `row` projected at its burn rate, most pressing first (exhausted,
    /// then soonest to run out, then fullest).
    static func projections(_ row: SpendRow, now: Date) -> [(period: String, projection: BudgetProjection)] {
        let rate = Double(row.burnRateUSDPerHour) ?? 0
        let all = row.budgets.compactMap { budget -> (String, BudgetProjection)? in
            guard let limit = budget.limitUSD.flatMap(Double.init), limit > 0, let spent = Double(budget.spentUSD) else { return nil }
            return (budget.period, BudgetProjection(period: budget.period, spent: spent, limit: limit, ratePerHour: rate, now: now))
        }
        return all.sorted { a, b in
            func key(_ projection: BudgetProjection) -> (Int, Double) {
                switch projection.verdict {
                case .exhausted: (0, 0)
                case .runsOut(let date): (1, date.timeIntervalSince1970)
                case .lasts: (2, -projection.ratio)
                }
            }
            return key(a.1) < key(b.1)
        }.map { (period: $0.0, projection: $0.1) }
    }

    static func role(_ urgency: BudgetProjection.Urgency) -> ThemeRole {
        switch urgency {
        case .calm: .muted
        case .nearing: .spendBarMid
        case .urgent: .spendBarHigh
        }
    }

    static func projectionCell(_ row: SpendRow, now: Date) -> [Segment] {
        guard let first = projections(row, now: now).first else { return [Segment("—", .muted)] }
        let urgency = first.projection.urgency(now: now)
        return [Segment(first.projection.shortText(now: now), role(urgency), bold: urgency == .urgent)]
    }

    /// "acme: at this rate the monthly budget is exhausted on Dec 19 (in 12d)".
    static func sentence(_ row: SpendRow, now: Date) -> [Segment] {
        var segments = [Segment((row.name ?? row.id) + ": ", .mainForeground, bold: true)]
        let projections = projections(row, now: now)
        guard !projections.isEmpty else {
            segments.append(Segment("no USD budget to project · burn \(Format.money(row.burnRateUSDPerHour))/h", .muted))
            return segments
        }
        for (index, item) in projections.prefix(2).enumerated() {
            if index > 0 { segments.append(Segment(" · ", .muted)) }
            let urgency = item.projection.urgency(now: now)
            segments.append(Segment(item.projection.sentence(period: item.period, now: now), urgency == .calm ? .muted : role(urgency),
                                    bold: urgency == .urgent))
        }
        return segments
    }

    /// Fill ratio against the USD limit, or the token limit when there is no USD one.
    static func ratio(_ budget: BudgetBar) -> Double? {
        if let limit = budget.limitUSD.flatMap(Double.init), limit > 0, let spent = Double(budget.spentUSD) { return spent / limit }
        if let limit = budget.tokenLimit, limit > 0 { return Double(budget.tokens) / Double(limit) }
        return nil
    }

    /// A bar and its percentage in `width` cells.
    static func bar(_ budget: BudgetBar?, width: Int) -> [Segment] {
        guard let budget else { return [Segment("—", .muted)] }
        guard let ratio = ratio(budget) else { return [Segment("no limit", .muted)] }
        let barWidth = width - 5
        let fill = Blocks.barFill(ratio: ratio, width: barWidth)
        let rest = String(repeating: "░", count: max(0, barWidth - fill.count))
        let percent = String(min(999, Int((ratio * 100).rounded())))
        let label = String(repeating: " ", count: max(0, 3 - percent.count)) + percent + "%"
        let role = Roles.spend(ratio: ratio)
        return [Segment(fill, role), Segment(rest, .border), Segment(" " + label, role, bold: ratio >= 0.85)]
    }
}
