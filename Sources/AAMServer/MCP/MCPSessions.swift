import AAMCore
import Foundation
import Synchronization

/// Sessions of the 2025-11-25 style: the broker issues its own `Mcp-Session-Id` on `initialize`
/// (never the upstream's, which it keeps and sends upstream itself) and binds it to the workload
/// and server, so a session id is useless to any other identity.
///
/// Bounded two ways so a flood of `initialize` cannot grow memory or evict everyone at once: a
/// session unused for `idle` seconds expires, and at `capacity` the least recently used one is
/// dropped. A client whose session is gone gets 404 and initializes again, as the spec says.
final class MCPSessions: Sendable {
    struct Session: Sendable {
        var spiffeId: String
        var server: String
        var upstreamSessionId: String?
    }

    static let defaultCapacity = 100_000
    static let defaultIdle: TimeInterval = 30 * 60

    private let sessions: Mutex<IdleLRUMap<String, Session>>
    private let clock: any WallClock

    init(clock: any WallClock, capacity: Int = MCPSessions.defaultCapacity, idle: TimeInterval = MCPSessions.defaultIdle) {
        self.clock = clock
        self.sessions = Mutex(IdleLRUMap(capacity: capacity, idle: idle))
    }

    var count: Int { sessions.withLock { $0.count } }

    func open(_ session: Session) -> String {
        let id = Identifiers.random(32)
        let now = clock.now()
        sessions.withLock { _ = $0.set(id, session, now: now) }
        return id
    }

    /// The session `id` if it is live and belongs to this workload and server; using it keeps it alive.
    func find(_ id: String, spiffeId: String, server: String) -> Session? {
        let now = clock.now()
        return sessions.withLock { all -> Session? in
            guard let session = all.peek(id, now: now), session.spiffeId == spiffeId, session.server == server else { return nil }
            return all.use(id, now: now)
        }
    }

    /// Ends the session; returns it (nil if it was not live).
    @discardableResult
    func close(_ id: String) -> Session? { sessions.withLock { $0.remove(id) } }
}
