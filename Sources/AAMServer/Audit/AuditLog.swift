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
public actor AuditLog {
    /// Where the entries end up (also read by `GET /admin/audit`).
    public nonisolated let store: any AdminAuditStore
    private let sink: any EvidenceSink
    private let chain: AuditChain
    private let clock: any WallClock
    private let gate = SerialGate()
    private var head: (sequence: Int64, hash: String)?

    public init(store: any AdminAuditStore, sink: any EvidenceSink, clock: any WallClock, chain: AuditChain = AuditHasher.chain) {
        self.store = store
        self.sink = sink
        self.chain = chain
        self.clock = clock
    }

    /// Appends the drafts as consecutive entries, all stamped with the same time, durably.
    @discardableResult
    public func append(_ drafts: [AuditDraft]) async throws -> [AdminAuditEntry] {
        guard !drafts.isEmpty else { return [] }
        await gate.acquire()
        defer { gate.release() }
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
        return entries
    }

    /// Sequence and hash of the last durable entry (0 and the genesis hash when there is none).
    public func currentHead() async throws -> (sequence: Int64, hash: String) {
        if let head { return head }
        let last = try await store.lastAudit()
        let loaded = (last?.sequence ?? 0, last?.hash ?? AuditCanonicalForm.genesisHash)
        head = loaded
        return loaded
    }
}
