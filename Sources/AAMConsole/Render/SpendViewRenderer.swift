import AAMControlProtocol

/// Spend: the org > team > project > key tree, then providers and deployments with budgets; a
/// budget bar per period, tokens and burn rate.
enum SpendViewRenderer {
    static let periodOrder = ["daily", "weekly", "monthly", "total"]
    /// Scope (min 16) + tokens + today + burn, with their separators and the left margin.
    static let fixedWidth = 1 + 17 + 8 + 10 + 10

    /// Periods that appear in any budget, in calendar order (unknown ones after, as they come).
    static func periods(_ rows: [SpendRow]) -> [String] {
        var seen: [String] = []
        for row in rows { for budget in row.budgets where !seen.contains(budget.period) { seen.append(budget.period) } }
        return periodOrder.filter(seen.contains) + seen.filter { !periodOrder.contains($0) }
    }

    static func draw(_ state: ConsoleState, in body: BodyArea, into grid: inout ScreenGrid) {
        let tree = state.spendTree
        // Every period gets a bar column of 12-20 cells if they fit; else as many as fit at 12.
        let all = periods(state.spend)
        let room = body.width - fixedWidth
        let barColumn = min(20, max(12, all.isEmpty ? 20 : room / all.count - 1))
        let shown = Array(all.prefix(max(0, room / (barColumn + 1))))
        var columns: [TableColumns.Column] = [
            .init(title: "Scope", width: 16, flex: 1), .init(title: "Tokens", width: 7, alignment: .right),
            .init(title: "Today", width: 9, alignment: .right), .init(title: "Burn/h", width: 9, alignment: .right),
        ]
        columns += shown.map { .init(title: $0.capitalized, width: barColumn) }
        ListRenderer.draw(tree, columns: TableColumns(columns, totalWidth: body.width), position: state.position(for: .spend),
                          body: body, into: &grid, empty: "no spend yet") { cells($0, periods: shown, barColumn: barColumn) }
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
