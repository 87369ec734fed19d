import AAMControlProtocol
import Foundation

/// Keys: virtual keys with scope, state, expiry and last use (never a secret: rows have none).
enum KeysViewRenderer {
    static func columns(width: Int) -> TableColumns {
        TableColumns([
            .init(title: "Prefix", width: 14), .init(title: "Name", width: 8, flex: 1), .init(title: "Scope", width: 8, flex: 1),
            .init(title: "State", width: 7), .init(title: "Expires", width: 11), .init(title: "Last used", width: 10),
        ], totalWidth: width)
    }

    static func draw(_ state: ConsoleState, in body: BodyArea, into grid: inout ScreenGrid) {
        let empty = state.filter.isEmpty ? "no keys" : "no keys match the filter \"\(state.filter)\""
        ListRenderer.draw(state.keyRows, columns: columns(width: body.width), position: state.position(for: .keys),
                          body: body, into: &grid, sort: state.sortMark(for: .keys), empty: empty) { cells($0, now: state.now) }
    }

    static func cells(_ key: KeyRow, now: Date) -> [[Segment]] {
        var expiry = Segment("never", .muted)
        if let expiresAt = key.expiresAt {
            expiry = expiresAt > now ? Segment(Format.relative(expiresAt, now: now),
                                               expiresAt.timeIntervalSince(now) < 86_400 ? .statusCooldown : .mainForeground)
                : Segment("expired", .statusDrained)
        }
        return [
            [Segment(key.prefix, bold: true)],
            [Segment(key.name ?? "—", key.name == nil ? .muted : .mainForeground)],
            [Segment(key.scope, .muted)],
            [Segment(key.state, Roles.keyState(key.state))],
            [expiry],
            [Segment(key.lastUsedAt.map { Format.relative($0, now: now) } ?? "never", key.lastUsedAt == nil ? .muted : .mainForeground)],
        ]
    }
}
