import AAMControlProtocol

/// Live: one row per finished call, newest on top.
enum LiveViewRenderer {
    static func columns(width: Int) -> TableColumns {
        TableColumns([
            .init(title: "Time", width: 8), .init(title: "Key / scope", width: 10, flex: 1),
            .init(title: "Alias → provider", width: 10, flex: 1), .init(title: "St", width: 3),
            .init(title: "Latency", width: 7, alignment: .right), .init(title: "Tokens", width: 6, alignment: .right),
            .init(title: "Cost", width: 8, alignment: .right), .init(title: "Guard", width: 8),
        ], totalWidth: width)
    }

    static func draw(_ state: ConsoleState, in body: BodyArea, into grid: inout ScreenGrid) {
        let rows = state.liveRows
        let empty = state.filter.isEmpty ? "waiting for calls…" : "no calls match the filter \"\(state.filter)\""
        ListRenderer.draw(rows, columns: columns(width: body.width), position: state.position(for: .live), body: body,
                          into: &grid, sort: state.sortMark(for: .live), empty: empty) { cells($0, state: state) }
    }

    static func cells(_ call: CallRow, state: ConsoleState) -> [[Segment]] {
        var guardText = ""
        if let first = call.guardrails.first {
            guardText = first.split(separator: ":").first.map(String.init) ?? first
            if call.guardrails.count > 1 { guardText += "+\(call.guardrails.count - 1)" }
        }
        // A policy refusal or shadow finding outranks guardrail marks: it says why the call looks as it does.
        var guardCell = [Segment(guardText, .guardrailHit)]
        if let mark = PolicyMark(call) { guardCell = [Segment(mark.label, mark.role, bold: mark == .deny)] }
        // A workload call is known by its SPIFFE ID, not a key prefix.
        let caller = call.identity.map { [Segment(Format.workload($0), .title)] }
            ?? [Segment(call.keyPrefix ?? "—"), Segment(call.scope.map { " " + $0 } ?? "", .muted)]
        return [
            [Segment(Format.clockTime(call.time, in: state.timeZone), .muted)],
            caller,
            [Segment(call.alias ?? "—"), Segment(" → ", .muted), Segment(call.provider ?? "—")],
            [Segment(String(call.status), Roles.outcome(call.outcome), bold: call.outcome != "success")],
            [Segment(Format.latency(call.latencyMs))],
            [Segment(Format.compact(call.promptTokens + call.completionTokens))],
            [Segment(Format.money(call.costUSD))],
            guardCell,
        ]
    }
}
