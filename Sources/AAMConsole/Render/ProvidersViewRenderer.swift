import AAMControlProtocol

/// Providers: each deployment's health, cooldown, error rate, latency and drain state.
enum ProvidersViewRenderer {
    static func columns(width: Int) -> TableColumns {
        TableColumns([
            .init(title: "Deployment", width: 10, flex: 2), .init(title: "Provider", width: 8, flex: 1),
            .init(title: "State", width: 9), .init(title: "Cooldown", width: 8, alignment: .right),
            .init(title: "Err", width: 6, alignment: .right), .init(title: "p50", width: 7, alignment: .right),
            .init(title: "p95", width: 7, alignment: .right), .init(title: "InFl", width: 4, alignment: .right),
            .init(title: "Drain", width: 5),
        ], totalWidth: width)
    }

    static func draw(_ state: ConsoleState, in body: BodyArea, into grid: inout ScreenGrid) {
        let empty = state.filter.isEmpty ? "no deployments (yet)" : "no deployments match the filter \"\(state.filter)\""
        // The last body row says why the selected deployment is in its state (breaker reason).
        ListRenderer.draw(state.providerRows, columns: columns(width: body.width), position: state.position(for: .providers),
                          body: BodyArea(top: body.top, height: body.height - 1, width: body.width), into: &grid, empty: empty,
                          cells: cells)
        if let row = state.selectedProvider {
            let (stateText, role) = health(row)
            let text = "\(row.deployment) (\(row.alias), \(row.upstreamModel), weight \(row.weight), priority \(row.priority)): "
            drawCell([Segment(text, .muted), Segment(stateText, role, bold: true), Segment(row.reason.map { " · " + $0 } ?? "", .muted)],
                     into: &grid, row: body.bottom - 1, column: 1, width: body.width - 2)
        }
    }

    /// Health state name and role; drained wins over health, since no traffic goes there anyway.
    static func health(_ row: ProviderRow) -> (String, ThemeRole) {
        if row.deploymentDrained || row.providerDrained { return ("drained", .statusDrained) }
        switch row.state {
        case "closed": return ("healthy", .statusOK)
        case "half_open": return ("probing", .statusCooldown)
        case "open": return row.cooldownRemainingSeconds > 0 ? ("cooldown", .statusCooldown) : ("failing", .statusError)
        default: return (row.state, .statusError)
        }
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
