import AAMCore
import Foundation
import Synchronization

/// Sessions of the 2025-11-25 style: the broker issues its own `Mcp-Session-Id` on `initialize`
/// (never the upstream's, which it keeps and sends upstream itself) and binds it to the workload
/// and server, so a session id is useless to any other identity.
final class MCPSessions: Sendable {
    struct Session: Sendable {
        var spiffeId: String
        var server: String
        var upstreamSessionId: String?
    }

    private let sessions = Mutex<[String: Session]>([:])
    /// Bounded: a flood of `initialize` must not grow memory without limit.
    static let limit = 100_000

    func open(_ session: Session) -> String {
        let id = Identifiers.random(32)
        sessions.withLock { all in
            if all.count >= Self.limit { all.removeAll() }
            all[id] = session
        }
        return id
    }

    /// The session `id` if it exists and belongs to this workload and server.
    func find(_ id: String, spiffeId: String, server: String) -> Session? {
        sessions.withLock { $0[id] }.flatMap { $0.spiffeId == spiffeId && $0.server == server ? $0 : nil }
    }

    func close(_ id: String) { _ = sessions.withLock { $0.removeValue(forKey: id) } }
}
