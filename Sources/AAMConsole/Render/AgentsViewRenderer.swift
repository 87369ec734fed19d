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
            .init(title: "Deny", width: 4, alignment: .right),
        ], totalWidth: width)
    }

    static func decisionColumns(width: Int) -> TableColumns {
        TableColumns([
            .init(title: "Time", width: 8), .init(title: "Workload", width: 10, flex: 2), .init(title: "Target", width: 8, flex: 1),
            .init(title: "Decision", width: 8), .init(title: "Policy", width: 8, flex: 1), .init(title: "Rule", width: 8, flex: 1),
        ], totalWidth: width)
    }

    static func draw(_ state: ConsoleState, in body: BodyArea, into grid: inout ScreenGrid) {
        let agentHeight = ConsoleLayout.agentRows(body: body.height) + 1
        ListRenderer.draw(state.agents, columns: agentColumns(width: body.width), position: state.position(for: .agents), body: body,
                          into: &grid, height: agentHeight, empty: "no registered workloads") { agentCells($0) }
        let titleRow = body.top + agentHeight
        guard titleRow + 2 < body.bottom else { return }
        grid.write(" Recent policy decisions", row: titleRow, column: 0, role: .title, bold: true)
        let recentTop = titleRow + 1
        ListRenderer.draw(state.policyDecisions, columns: decisionColumns(width: body.width), position: ListPosition(), body: body,
                          into: &grid, top: recentTop, height: body.bottom - recentTop, showSelection: false,
                          empty: "none since the console connected") { decisionCells($0, state: state) }
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

    static func decisionCells(_ decision: PolicyDecisionRow, state: ConsoleState) -> [[Segment]] {
        let target = decision.kind == "tool"
            ? [decision.resource, decision.action].compactMap { $0 }.joined(separator: ":")
            : decision.model ?? "—"
        let mark = PolicyMark(decision)
        let verdict = mark.map { Segment($0.label, $0.role, bold: $0 == .deny) } ?? Segment("allow", .statusOK)
        return [
            [Segment(Format.clockTime(decision.time, in: state.timeZone), .muted)],
            [Segment(Format.workload(decision.spiffeId))],
            [Segment(decision.kind == "tool" ? "⚙ " : "", .muted), Segment(target)],
            [verdict],
            [Segment(decision.policy ?? "none"), Segment(decision.version.map { " v\($0)" } ?? "", .muted)],
            [Segment(decision.wouldDenyRule ?? decision.rule, .muted)],
        ]
    }
}
