import AAMCore
import AAMSecrets
import Foundation
import Synchronization

/// Sessions of the 2025-11-25 style: the broker issues its own `Mcp-Session-Id` on `initialize`
/// (never the upstream's, which it keeps and sends upstream itself) and binds it to the workload
/// and server, so a session id is useless to any other identity.
///
/// The session lives in its id, not in this replica's memory: the state (`MCPSessionState`) is
/// sealed with a key derived from the master key (`MCPSessionSealer`), the workload identity and
/// server bound as authenticated data. Any replica with the same master key opens it, so a load
/// balancer needs no affinity. A tampered, expired, foreign (other identity or server) or closed
/// id is "not found" (404), and the client initializes again, as the spec says.
///
/// What a replica still keeps, bounded: the ids closed (until they would have expired), so a
/// closed session is not resumable. On a cluster every close is also announced to the other
/// replicas (`closes`, sent on by `MCPCloseRelay`) and theirs are added here (`closedElsewhere`).
final class MCPSessions: Sendable {
    typealias Session = MCPSessionState

    /// A session ends this long after `initialize`, used or not (its id cannot be refreshed:
    /// the client keeps the id it got). The client then gets 404 and initializes again.
    static let defaultLifetime: TimeInterval = 8 * 3600
    /// How many closed ids a replica remembers (least recently closed forgotten first).
    static let defaultClosedCapacity = 100_000

    let lifetime: TimeInterval
    private let clock: any WallClock
    private let masterKey: @Sendable () -> MasterKey
    /// The sealer of the current master key, and the one before it (ids issued before a
    /// rotation still open here).
    private let sealers: Mutex<(current: MCPSessionSealer, previous: MCPSessionSealer?)>
    /// Nonces of ids closed (here or, on a cluster, anywhere); an entry outlives the id it names.
    private let closed: Mutex<IdleLRUMap<String, Bool>>
    /// Where closes are announced to the other replicas (nil on a single node).
    private let announcer = Mutex<AsyncStream<Closure>.Continuation?>(nil)

    /// `masterKey` is read on every open and seal, so a live master-key rotation is followed.
    init(
        masterKey: @escaping @Sendable () -> MasterKey, clock: any WallClock, lifetime: TimeInterval = MCPSessions.defaultLifetime,
        closedCapacity: Int = MCPSessions.defaultClosedCapacity
    ) {
        self.masterKey = masterKey
        self.clock = clock
        self.lifetime = lifetime
        self.sealers = Mutex((MCPSessionSealer(master: masterKey()), nil))
        self.closed = Mutex(IdleLRUMap(capacity: closedCapacity, idle: lifetime))
    }

    convenience init(vault: CredentialVault, clock: any WallClock) {
        self.init(masterKey: { vault.current.master }, clock: clock)
    }

    var closedCount: Int { closed.withLock { $0.count } }

    /// A new session's id and state (nil only if sealing fails: `MCPSessionState` keeps the id
    /// short by leaving a long upstream id out, see `upstreamHeldLocally`).
    func open(spiffeId: String, server: String, protocolVersion: String, upstreamSessionId: String?) -> (id: String, session: Session)? {
        let now = clock.now()
        var session = Session(
            spiffeId: spiffeId, server: server, protocolVersion: protocolVersion, upstreamSessionId: upstreamSessionId,
            issuedAt: now, expiresAt: now.addingTimeInterval(lifetime))
        guard let sealed = currentSealers().current.seal(session.encoded(), binding: Session.binding(spiffeId: spiffeId, server: server)) else { return nil }
        session.nonce = sealed.nonce
        return (sealed.token, session)
    }

    /// The session `id` if it opens for this workload and server, has not expired and was not
    /// closed on this replica.
    func find(_ id: String, spiffeId: String, server: String) -> Session? {
        let binding = Session.binding(spiffeId: spiffeId, server: server)
        let keys = currentSealers()
        guard let opened = keys.current.open(id, binding: binding) ?? keys.previous?.open(id, binding: binding),
            var session = Session(decoding: opened.plaintext, spiffeId: spiffeId, server: server)
        else { return nil }
        let now = clock.now()
        guard now < session.expiresAt, closed.withLock({ $0.peek(opened.nonce, now: now) == nil }) else { return nil }
        session.nonce = opened.nonce
        return session
    }

    /// Ends `session`: its id is refused here from now on, and announced to the other replicas.
    func close(_ session: Session) {
        let now = clock.now()
        closed.withLock { _ = $0.set(session.nonce, true, now: now) }
        announcer.withLock { _ = $0?.yield(Closure(nonce: session.nonce, expiresAt: session.expiresAt)) }
    }

    /// A session closed on this replica, as another replica needs to refuse it.
    struct Closure: Sendable, Hashable {
        var nonce: String
        var expiresAt: Date
    }

    /// The closes made here from now on (one consumer: `MCPCloseRelay`).
    func closes() -> AsyncStream<Closure> {
        let (stream, continuation) = AsyncStream<Closure>.makeStream(bufferingPolicy: .bufferingNewest(10_000))
        announcer.withLock { $0 = continuation }
        return stream
    }

    /// A session closed on another replica: refused here too until it would have expired.
    func closedElsewhere(nonce: String, expiresAt: Date) {
        let now = clock.now()
        guard expiresAt > now, !nonce.isEmpty, nonce.utf8.count <= 64 else { return }
        closed.withLock { _ = $0.set(nonce, true, now: now) }
    }

    /// The sealers for the master key now in force; a rotation makes the old one `previous`.
    private func currentSealers() -> (current: MCPSessionSealer, previous: MCPSessionSealer?) {
        let master = masterKey()
        return sealers.withLock { sealers in
            if sealers.current.masterKeyID != master.id {
                sealers = (MCPSessionSealer(master: master), sealers.current)
            }
            return sealers
        }
    }
}
