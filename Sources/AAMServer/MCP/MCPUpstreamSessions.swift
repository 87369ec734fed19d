import AAMCore
import Foundation
import Synchronization

/// The broker's own sessions with session-style (2025-11-25) upstreams, used when the client
/// speaks the stateless style and so brings no session: one per server, upstream URL, credential
/// and workload identity, so upstream state is never shared between identities (and a server
/// registered again with another URL or credential starts a fresh session).
///
/// Concurrent first requests share one `initialize` (the pending task is stored); a failed
/// handshake is forgotten so the next request tries again. Bounded like the client sessions.
final class MCPUpstreamSessions: Sendable {
    struct Key: Hashable, Sendable {
        var server: String
        var url: String
        /// The sealed credential's fingerprint (never the credential).
        var credential: String?
        var spiffeId: String
        /// Set for a session-style client whose upstream session id was too long to seal into
        /// its broker id (`MCPSessionState.upstreamHeldLocally`): the nonce of that broker
        /// session, so its upstream session is its own on every replica and never shared.
        var clientSession: String? = nil
    }

    typealias Handshake = Task<Result<String?, MCPError>, Never>

    /// The upstream session a request used, to invalidate exactly it if the upstream forgot it.
    struct Lease: Sendable {
        var id: String?
        fileprivate var task: Handshake
    }

    private let sessions: Mutex<IdleLRUMap<Key, Handshake>>
    private let clock: any WallClock

    /// An upstream session of the broker's unused this long is forgotten (replica-local state).
    static let defaultIdle: TimeInterval = 30 * 60

    init(clock: any WallClock, capacity: Int = 10_000, idle: TimeInterval = MCPUpstreamSessions.defaultIdle) {
        self.clock = clock
        self.sessions = Mutex(IdleLRUMap(capacity: capacity, idle: idle))
    }

    /// The live upstream session for `key`, running `handshake` if there is none yet.
    func lease(_ key: Key, handshake: @escaping @Sendable () async -> Result<String?, MCPError>) async throws(MCPError) -> Lease {
        let now = clock.now()
        let task = sessions.withLock { all -> Handshake in
            if let existing = all.use(key, now: now) { return existing }
            let created = Handshake { await handshake() }
            all.set(key, created, now: now)
            return created
        }
        switch await task.value {
        case .success(let id): return Lease(id: id, task: task)
        case .failure(let error):
            invalidate(key, task)
            throw error
        }
    }

    /// Stores an upstream session this replica already has (the client's own handshake).
    func seed(_ key: Key, id: String?) {
        let now = clock.now()
        let done = Handshake { .success(id) }
        sessions.withLock { _ = $0.set(key, done, now: now) }
    }

    /// Forgets the session of `key` (its broker session ended); returns its upstream id, if
    /// this replica had one, for the caller to end upstream.
    func end(_ key: Key) async -> String? {
        let task = sessions.withLock { $0.remove(key) }
        guard let task, case .success(let id) = await task.value else { return nil }
        return id
    }

    /// Forgets the session of `lease` (the upstream answered 404): the next lease initializes anew.
    func invalidate(_ key: Key, _ lease: Lease) { invalidate(key, lease.task) }

    private func invalidate(_ key: Key, _ task: Handshake) {
        let now = clock.now()
        sessions.withLock { all in
            if all.peek(key, now: now) == task { all.remove(key) }
        }
    }
}
