import AAMControlProtocol
import Foundation

/// Replicas: a line saying what the daemon is part of (a cluster on Postgres and how much of it
/// is live, or a single node), every replica of the registry (`*` marks the one this console
/// is attached to; stale ones in the error color), and the selected replica in full on the
/// last row. A single node lists itself alone: there is no registry to show.
enum ReplicasViewRenderer {
    static func columns(width: Int) -> TableColumns {
        TableColumns([
            .init(title: "Replica", width: 10, flex: 1), .init(title: "State", width: 5), .init(title: "Listen", width: 10, flex: 1),
            .init(title: "Version", width: 7), .init(title: "Up", width: 4, alignment: .right),
            .init(title: "Beat", width: 5, alignment: .right), .init(title: "Config", width: 6, alignment: .right),
            .init(title: "Lag", width: 6, alignment: .right), .init(title: "Leases", width: 6, alignment: .right),
        ], totalWidth: width)
    }

    static func draw(_ state: ConsoleState, in body: BodyArea, into grid: inout ScreenGrid) {
        drawCell(summary(state.replicas), into: &grid, row: body.top, column: 1, width: body.width - 2)
        let rows = state.replicaRows
        let empty = state.replicas == nil ? "waiting for the daemon's answer" : "the registry has not been read yet"
        ListRenderer.draw(rows, columns: columns(width: body.width), position: state.position(for: .replicas),
                          body: BodyArea(top: body.top + 1, height: body.height - 2, width: body.width), into: &grid,
                          sort: state.sortMark(for: .replicas), empty: empty) {
            cells($0, now: state.now)
        }
        if let index = state.selectedIndex(in: .replicas) {
            drawCell(detail(rows[index], now: state.now, timeZone: state.timeZone), into: &grid, row: body.bottom - 1, column: 1,
                     width: body.width - 2)
        }
    }

    /// "Cluster on Postgres: 3/3 live · registry read 1s ago" or "Single node (SQLite) · …".
    static func summary(_ roster: ReplicaRoster?) -> [Segment] {
        guard let roster else { return [Segment("Replicas", .title, bold: true)] }
        guard roster.clustered else {
            return [Segment("Single node (\(roster.store))", .title, bold: true),
                    Segment(" · no registry: run several aamd on one Postgres database to make a cluster", .muted)]
        }
        let live = roster.liveCount, total = roster.replicas.count
        var segments = [
            Segment("Cluster on \(roster.store): ", .title, bold: true),
            Segment("\(live)/\(total) live", live == total && total > 0 ? .statusOK : .statusError, bold: true),
        ]
        if let age = roster.readAgeSeconds { segments.append(Segment(" · registry read \(Format.span(age)) ago", .muted)) }
        if let error = roster.readError { segments.append(Segment(" · registry unreadable: \(error)", .statusError)) }
        segments.append(Segment(" · * this replica", .muted))
        return segments
    }

    static func cells(_ row: ReplicaStatusRow, now: Date) -> [[Segment]] {
        let role: ThemeRole = row.isSelf ? .title : .mainForeground
        return [
            [Segment(row.isSelf ? "* " : "  ", .title, bold: true), Segment(row.id, role, bold: row.isSelf)],
            [row.live ? Segment("live", .statusOK) : Segment("stale", .statusError, bold: true)],
            [Segment(row.listen)],
            [Segment(shortVersion(row.version), .muted)],
            [Segment(Format.span(max(0, now.timeIntervalSince(row.startedAt))), .muted)],
            [row.heartbeatAgeSeconds.map { Segment(Format.span($0), row.live ? .mainForeground : .statusError) } ?? Segment("—", .muted)],
            [Segment("v\(row.configVersion)")],
            [row.feedLagMs == 0 ? Segment("—", .muted)
                : Segment(Format.latency(Double(row.feedLagMs)), row.feedLagMs >= 1000 ? .statusCooldown : .mainForeground)],
            [Segment(String(row.leases), row.leases > 0 ? .mainForeground : .muted)],
        ]
    }

    /// The selected replica in words (its whole id, its start as a clock time); version and
    /// address are in the table.
    static func detail(_ row: ReplicaStatusRow, now: Date, timeZone: TimeZone) -> [Segment] {
        var parts = ["started \(Format.clockTime(row.startedAt, in: timeZone)) (\(Format.relative(row.startedAt, now: now)))"]
        if let age = row.heartbeatAgeSeconds { parts.append("heartbeat \(Format.span(age)) ago") }
        parts += ["config v\(row.configVersion)", "feed lag \(Format.latency(Double(row.feedLagMs)))", "leases \(row.leases)"]
        return [Segment(row.id + (row.isSelf ? " (this replica)" : "") + ": ", row.isSelf ? .title : .mainForeground),
                Segment(parts.joined(separator: " · "), .muted)]
    }

    /// "aamd 0.14" is every row's program: the column shows the version alone.
    static func shortVersion(_ version: String) -> String {
        version.hasPrefix("aamd ") ? String(version.dropFirst(5)) : version
    }
}
