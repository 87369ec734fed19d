import AAMControlProtocol

/// Boxes drawn over the view: call detail, confirmation, prompt, one-time secret.
enum OverlayRenderer {
    struct Line {
        var segments: [Segment]
        init(_ segments: [Segment]) { self.segments = segments }
        init(_ text: String, _ role: ThemeRole = .mainForeground, bold: Bool = false) { segments = [Segment(text, role, bold: bold)] }
    }

    static func draw(_ overlay: Overlay, state: ConsoleState, in body: BodyArea, into grid: inout ScreenGrid) {
        let width = min(72, body.width - 4)
        let inner = width - 4
        switch overlay {
        case .detail(let call):
            box(title: "Call \(call.requestId)", lines: detailLines(call, state: state), width: width, body: body, into: &grid)
        case .confirm(let confirmation):
            var lines = wrap(confirmation.question, width: inner).map { Line($0, bold: true) }
            lines += [Line(""), Line([Segment("y", .keyHint, bold: true), Segment(" yes    ", .muted),
                                      Segment("n", .keyHint, bold: true), Segment(" no", .muted)])]
            box(title: "Confirm", lines: lines, width: width, body: body, into: &grid)
        case .prompt(let prompt):
            var lines: [Line] = []
            for (index, field) in prompt.fields.enumerated() {
                let focused = index == prompt.focus
                lines.append(Line(field.label, focused ? .title : .muted, bold: focused))
                lines.append(Line([Segment(focused ? "› " : "  ", .keyHint, bold: true),
                                   Segment(field.value + (focused ? "▏" : ""), .mainForeground, bold: focused)]))
            }
            if let error = prompt.error { lines += [Line("")] + wrap(error, width: inner).map { Line($0, .statusError, bold: true) } }
            box(title: prompt.title, lines: lines, width: width, body: body, into: &grid)
        case .secret(let secret):
            var lines = [Line("New secret" + (secret.keyPrefix.map { " for \($0)" } ?? "") + ":", .title, bold: true), Line("")]
            lines += chunks(secret.secret, width: inner).map { Line($0, .statusOK, bold: true) }
            lines += [Line("")] + wrap("Copy it now: it is shown once and the console forgets it when you press Enter or Esc.",
                                        width: inner).map { Line($0, .statusCooldown) }
            box(title: "Key rotated", lines: lines, width: width, body: body, into: &grid)
        }
    }

    static func detailLines(_ call: CallRow, state: ConsoleState) -> [Line] {
        let tokens = "\(call.promptTokens) in, \(call.completionTokens) out"
        let fields: [(String, String, ThemeRole)] = [
            ("time", Format.clockTime(call.time, in: state.timeZone) + " (" + Format.relative(call.time, now: state.now) + ")", .mainForeground),
            ("endpoint", call.endpoint, .mainForeground),
            call.identity.map { ("identity", $0, ThemeRole.title) }
                ?? ("key", [call.keyPrefix, call.scope].compactMap { $0 }.joined(separator: "  "), .mainForeground),
            ("route", "\(call.alias ?? "—") → \(call.provider ?? "—") (\(call.deployment ?? "—"))", .mainForeground),
            ("status", "\(call.status) \(call.outcome)" + (call.errorClass.map { " (\($0))" } ?? ""), Roles.outcome(call.outcome)),
            ("latency", Format.latency(call.latencyMs) + (call.ttftMs.map { ", first token " + Format.latency($0) } ?? ""), .mainForeground),
            ("tokens", tokens, .mainForeground),
            ("cost", Format.money(call.costUSD), .mainForeground),
            ("streamed", call.streamed ? "yes" : "no", .mainForeground),
            ("attempts", String(call.attempts), call.attempts > 1 ? .statusCooldown : .mainForeground),
            ("guardrails", call.guardrails.isEmpty ? "none" : call.guardrails.joined(separator: ", "),
             call.guardrails.isEmpty ? .muted : .guardrailHit),
        ] + policyFields(call, state: state)
        return fields.map { label, value, role in
            Line([Segment(TextFit.fit(label, width: 11), .muted), Segment(value, role)])
        }
    }

    /// A workload call's policy decision: from the live decision event with the same request id
    /// when the console saw it (policy, version, rule, reason), else the call row's summary.
    static func policyFields(_ call: CallRow, state: ConsoleState) -> [(String, String, ThemeRole)] {
        let role = PolicyMark(call).map(\.role) ?? .statusOK
        guard let decision = state.policyDecisions.first(where: { $0.requestId == call.requestId }) else {
            return call.policy.map { [("policy", $0, role)] } ?? []
        }
        var fields: [(String, String, ThemeRole)] = [
            ("policy", "\(decision.policy ?? "none") — \(decision.decision)", role),
            ("version", decision.version.map { "v\($0)" } ?? "—", .mainForeground),
            ("rule", decision.rule, .mainForeground),
            ("reason", decision.reason, .mainForeground),
        ]
        if let wouldDeny = decision.wouldDenyRule { fields.append(("shadow", "would deny by \(wouldDeny)", .statusCooldown)) }
        return fields
    }

    /// A bordered box centered in the body, clearing what is under it.
    static func box(title: String, lines: [Line], width: Int, body: BodyArea, into grid: inout ScreenGrid) {
        let height = min(body.height, lines.count + 4)
        let top = body.top + max(0, (body.height - height) / 2)
        let left = max(0, (body.width - width) / 2)
        let inner = width - 4
        for row in top..<(top + height) { grid.fill(row: row, from: left, to: left + width) }
        let titleText = TextFit.fit(" " + title + " ", width: min(DisplayWidth.of(title) + 2, width - 4))
        grid.write("┌" + String(repeating: "─", count: width - 2) + "┐", row: top, column: left, role: .border)
        grid.write(titleText, row: top, column: left + 2, role: .title, bold: true)
        for row in (top + 1)..<(top + height - 1) {
            grid.write("│", row: row, column: left, role: .border)
            grid.write("│", row: row, column: left + width - 1, role: .border)
        }
        grid.write("└" + String(repeating: "─", count: width - 2) + "┘", row: top + height - 1, column: left, role: .border)
        for (index, line) in lines.prefix(height - 4).enumerated() {
            drawCell(line.segments, into: &grid, row: top + 2 + index, column: left + 2, width: inner)
        }
    }

    /// Greedy word wrap by display width.
    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ") {
            let candidate = current.isEmpty ? String(word) : current + " " + word
            if DisplayWidth.of(candidate) <= width || current.isEmpty {
                current = candidate
            } else {
                lines.append(current)
                current = String(word)
            }
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }

    /// A secret split into lines without truncation (it must be copyable in full).
    static func chunks(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var current = ""
        for character in text {
            if DisplayWidth.of(current) + DisplayWidth.of(character) > width {
                lines.append(current)
                current = ""
            }
            current.append(character)
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }
}
