import AAMCore
import AAMSecrets
import Foundation

/// The one appender of the admin audit trail: assigns sequence numbers, chains each entry to
/// the previous one, and returns only once the entries are durable (`EvidenceSink`).
///
/// Appends are serialized (a gate, since an actor is re-entrant while the sink is awaited), so
/// no sequence is handed out twice and the chain order is the order of the changes. The head
/// (last sequence and hash) is read from the store once, at the first append, so the spool of
/// a previous run must have been replayed into the store by then (`Gateway` does it before
/// applying the config file). After that the head lives here: with a spool, the store lags
/// behind what is durable, so re-reading it would hand out sequences again. A failed append
/// leaves the head where it was; this relies on the sink's contract that a failed
/// `appendDurably` made nothing durable.
///
/// Entries the database refused wait in the evidence quarantine (`HeldAuditEntries`, when the
/// sink is the spool's writer): the head read at start is the later of the store's and theirs,
/// so no quarantined sequence is handed out again and the next entry links to the held one
/// (a re-drive then closes the gap exactly).
///
/// Keyed (`keys` given, as `aamd` runs): every new link is an HMAC under the current chain key
/// (see `AuditChain`); `keyChain()` upgrades a trail written before keying with one marker entry.
public actor AuditLog {
    /// Where the entries end up (also read by `GET /admin/audit`).
    public nonisolated let store: any AdminAuditStore
    private let sink: any EvidenceSink
    private let chain: AuditChain
    private let clock: any WallClock
    private let gate = SerialGate()
    private var head: (sequence: Int64, hash: String)?
    /// The chain keys (nil: an unkeyed legacy chain, for tests of the chain itself).
    public nonisolated let keys: EvidenceChainKeyring?
    /// Where the call-record chain lives (nil when the store keeps none, e.g. in memory).
    public nonisolated let callChain: (any EvidenceChainStore)?
    /// Told how many entries each append made durable (the anchor service counts them).
    private let appended: AsyncStream<Int>.Continuation?
    /// Entries durable outside the store (the quarantine); nil when the sink keeps none aside.
    public nonisolated let held: (any HeldAuditEntries)?
    /// Several replicas append to one trail: each append takes the cluster-wide `auditChain`
    /// lock and re-reads the head from the database (another replica may have appended), and
    /// the sink must write straight to the database (a spool would hold entries the others
    /// cannot see, and they would hand out the same sequence). Nil on a single node.
    private let cluster: (any ClusterStore)?

    public init(store: any AdminAuditStore, sink: any EvidenceSink, clock: any WallClock, chain: AuditChain = AuditHasher.chain) {
        self.store = store
        self.sink = sink
        self.chain = chain
        self.clock = clock
        self.keys = nil
        self.callChain = nil
        self.appended = nil
        self.held = sink as? any HeldAuditEntries
        self.cluster = nil
    }

    /// A keyed log: links are HMACs under `keys`' current chain key.
    public init(
        store: any AdminAuditStore, sink: any EvidenceSink, clock: any WallClock, keys: EvidenceChainKeyring,
        callChain: (any EvidenceChainStore)?, appended: AsyncStream<Int>.Continuation? = nil, cluster: (any ClusterStore)? = nil
    ) {
        self.cluster = cluster
        self.store = store
        self.sink = sink
        self.chain = AuditChain(authenticator: keys)
        self.clock = clock
        self.keys = keys
        self.callChain = callChain
        self.appended = appended
        self.held = sink as? any HeldAuditEntries
    }

    /// Appends the drafts as consecutive entries, all stamped with the same time, durably.
    @discardableResult
    public func append(_ drafts: [AuditDraft]) async throws -> [AdminAuditEntry] {
        guard !drafts.isEmpty else { return [] }
        await gate.acquire()
        defer { gate.release() }
        guard let cluster else { return try await appendHoldingGate(drafts) }
        try await cluster.acquireClusterLock(.auditChain)
        do {
            head = nil
            let entries = try await appendHoldingGate(drafts)
            await cluster.releaseClusterLock(.auditChain)
            return entries
        } catch {
            await cluster.releaseClusterLock(.auditChain)
            throw error
        }
    }

    private func appendHoldingGate(_ drafts: [AuditDraft]) async throws -> [AdminAuditEntry] {
        var (sequence, hash) = try await currentHead()
        let now = clock.now()
        var entries: [AdminAuditEntry] = []
        for draft in drafts {
            // NUL-free before hashing: the stores keep text NUL-free (`StorableText`).
            let entry = chain.next(afterSequence: sequence, previousHash: hash, at: now, draft.storable)
            entries.append(entry)
            (sequence, hash) = (entry.sequence, entry.hash)
        }
        try await sink.appendDurably(entries.map { .audit($0) })
        head = (sequence, hash)
        appended?.yield(entries.count)
        return entries
    }

    /// Sequence and hash of the last durable entry (0 and the genesis hash when there is none):
    /// the store's last, or a later one held in the quarantine.
    public func currentHead() async throws -> (sequence: Int64, hash: String) {
        if let head { return head }
        let last = try await store.lastAudit()
        var loaded = (sequence: last?.sequence ?? 0, hash: last?.hash ?? AuditCanonicalForm.genesisHash)
        for entry in try await held?.heldAuditEntries() ?? [] where entry.sequence > loaded.sequence {
            loaded = (entry.sequence, entry.hash)
        }
        head = loaded
        return loaded
    }

    /// Keys a trail that was written before the chain was keyed: verifies its unkeyed SHA-256
    /// links once, then appends a `audit.chain.keyed` marker, keyed, whose `before` names the
    /// legacy head and the verdict. From the marker on every link is keyed, and the verifier
    /// refuses an unkeyed link after a keyed one, so the legacy prefix can no longer be
    /// rewritten either (the marker's MAC covers its head). Returns the marker, or nil when the
    /// trail is empty or already keyed. Run after the spool replay (the store must be current).
    @discardableResult
    public func keyChain() async throws -> AdminAuditEntry? {
        guard let keys else { return nil }
        let (sequence, hash) = try await currentHead()
        guard sequence > 0, EvidenceMAC.parse(hash) == nil else { return nil }
        let legacy = try await EvidenceVerification.verifyLegacy(store)
        let before = AuditDocument.canonical(
            .object([
                "legacyEntries": .number(Double(legacy.count)), "legacyHead": .string(hash),
                "legacyVerdict": .string(legacy.summary),
            ]))
        let after = AuditDocument.canonical(.object(["chainKey": .string(keys.currentKeyID), "scheme": .string(EvidenceMAC.scheme)]))
        return try await append([AuditDraft(actor: "system", action: "audit.chain.keyed", target: "audit:chain", before: before, after: after)]).first
    }
}
