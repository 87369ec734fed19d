import AAMControlProtocol
import Foundation

/// Agents: each registered workload with the policy that governs it, its model grant, today's
/// spend against its daily budget and its decisions since start; then the recent policy
/// decisions, newest first (allow in the OK color, deny in the error color, shadow findings
/// in the warning color). Never arguments or prompt text: rows carry none.
enum AgentsViewRenderer {
    static func agentColumns(width: Int) -> TableColumns {
        TableColumns([
            .init(title: "Workload", width: 12, flex: 2), .init(title: "Team", width: 7, flex: 1),
            .init(title: "Policy", width: 10, flex: 2), .init(title: "Models", width: 7, flex: 1),
            .init(title: "Spent / day", width: 13), .init(title: "Allow", width: 5, alignment: .right),
            .init(title: "Deny", width: 4, alignment: .right), .init(title: "Activity", width: 9, flex: 1),
        ], totalWidth: width)
    }

    /// The Rule column appears once a decision names its rule: a policy's `audit.record`
    /// decides whether rules are recorded, and a column of `-` says nothing.
    static func decisionColumns(width: Int, showRule: Bool) -> TableColumns {
        var columns: [TableColumns.Column] = [
            .init(title: "Time", width: 8), .init(title: "Workload", width: 10, flex: 2), .init(title: "Target", width: 8, flex: 1),
            .init(title: "Decision", width: 8), .init(title: "Policy", width: 8, flex: 1),
        ]
        if showRule { columns.append(.init(title: "Rule", width: 8, flex: 1)) }
        return TableColumns(columns, totalWidth: width)
    }

    /// Whether any recent decision carries a rule (the daemon sends `-` when none was recorded).
    static func rulesRecorded(_ decisions: [PolicyDecisionRow]) -> Bool {
        decisions.contains { $0.rule != "-" || $0.wouldDenyRule.map { $0 != "-" } == true }
    }

    static func draw(_ state: ConsoleState, in body: BodyArea, into grid: inout ScreenGrid) {
        let agentHeight = ConsoleLayout.agentRows(body: body.height) + 1
        let columns = agentColumns(width: body.width)
        ListRenderer.draw(state.agentRows, columns: columns, position: state.position(for: .agents), body: body,
                          into: &grid, height: agentHeight, sort: state.sortMark(for: .agents), empty: "no registered workloads") {
            agentCells($0) + [decisionTrend(state.trends.decisions(of: $0.spiffeId, now: state.now), width: columns.widths[7], glyphs: state.glyphs)]
        }
        let titleRow = body.top + agentHeight
        guard titleRow + 2 < body.bottom else { return }
        grid.write(" Recent policy decisions", row: titleRow, column: 0, role: .title, bold: true)
        let recentTop = titleRow + 1
        let showRule = rulesRecorded(state.policyDecisions)
        ListRenderer.draw(state.policyDecisions, columns: decisionColumns(width: body.width, showRule: showRule), position: ListPosition(),
                          body: body, into: &grid, top: recentTop, height: body.bottom - recentTop, showSelection: false,
                          empty: "none since the console connected") { decisionCells($0, state: state, showRule: showRule) }
    }

    /// Decisions per interval of the trend window: the height is how many, the color whether
    /// any was a deny (error color) or all were allowed (OK color).
    static func decisionTrend(_ counts: [DecisionTrend], width: Int, glyphs: GlyphSet) -> [Segment] {
        guard counts.contains(where: { $0.allowed + $0.denied > 0 }) else {
            return [Segment(counts.isEmpty ? "" : "quiet", .muted)]
        }
        let cells = Sparkline.cells(counts.map { Double($0.allowed + $0.denied) }, width: width, style: .simple(glyphs))
        let shown = Array(repeating: DecisionTrend(), count: max(0, cells.count - counts.count)) + counts.suffix(cells.count)
        var segments: [Segment] = []
        for (cell, count) in zip(cells, shown) {
            let role: ThemeRole = count.denied > 0 ? .statusError : count.allowed > 0 ? .statusOK : .muted
            if let last = segments.last, last.role == role {
                segments[segments.count - 1].text.append(cell)
            } else {
                segments.append(Segment(String(cell), role))
            }
        }
        return segments
    }

    static func agentCells(_ agent: AgentRow) -> [[Segment]] {
        var policy = [Segment("none (default deny)", .statusError)]
        if let name = agent.policy {
            policy = [Segment(name), Segment(" v\(agent.policyVersion ?? 0)", .muted)]
            if agent.policyMode == "shadow" { policy.append(Segment(" shadow", .statusCooldown)) }
        }
        let models = agent.allowedModels.isEmpty ? Segment("none", .muted) : Segment(agent.allowedModels.joined(separator: ","))
        return [
            [Segment(Format.workload(agent.spiffeId), .title)],
            [Segment(agent.team, .muted)],
            policy,
            [models],
            budgetCell(agent),
            [Segment(String(agent.allowed), agent.allowed > 0 ? .statusOK : .muted)],
            [Segment(String(agent.denied), agent.denied > 0 ? .statusError : .muted, bold: agent.denied > 0)],
        ]
    }

    /// `$12.50/$75` colored by how much of the daily budget is gone; spend alone when no budget.
    static func budgetCell(_ agent: AgentRow) -> [Segment] {
        let spent = Format.money(agent.spentTodayUSD)
        guard let limitText = agent.dailyBudgetUSD else { return [Segment(spent), Segment(" no cap", .muted)] }
        let ratio = (Double(agent.spentTodayUSD ?? "0") ?? 0) / max(Double(limitText) ?? 0, .leastNonzeroMagnitude)
        return [Segment(spent, Roles.spend(ratio: ratio)), Segment("/" + Format.money(limitText), .muted)]
    }

    static func decisionCells(_ decision: PolicyDecisionRow, state: ConsoleState, showRule: Bool = true) -> [[Segment]] {
        let target = decision.kind == "tool"
            ? [decision.resource, decision.action].compactMap { $0 }.joined(separator: ":")
            : decision.model ?? "—"
        let mark = PolicyMark(decision)
        let verdict = mark.map { Segment($0.label, $0.role, bold: $0 == .deny) } ?? Segment("allow", .statusOK)
        var cells = [
            [Segment(Format.clockTime(decision.time, in: state.timeZone), .muted)],
            [Segment(Format.workload(decision.spiffeId))],
            [Segment(decision.kind == "tool" ? "⚙ " : "", .muted), Segment(target)],
            [verdict],
            [Segment(decision.policy ?? "none"), Segment(decision.version.map { " v\($0)" } ?? "", .muted)],
        ]
        if showRule { cells.append([Segment(decision.wouldDenyRule ?? decision.rule, .muted)]) }
        return cells
    }
}
