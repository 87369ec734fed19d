import AAMCore
import Foundation
import Synchronization

/// Moves spooled evidence into the database, in spool order: call records to the
/// `CallRecordStore`, audit entries to the `AdminAuditStore`, in batches; after each batch the
/// spool's cursor is committed and drained segments are trimmed.
///
/// The stores' appends are idempotent (calls by request id, audit entries by sequence), so a
/// crash between a store write and the cursor commit replays that batch harmlessly. While the
/// database is unreachable, `run` retries with exponential backoff and the spool keeps growing
/// (bounded by its limit); nothing is skipped.
///
/// One bad record never blocks the rest: when the database refuses a batch for its content
/// (`StoreWriteRefusal`), `RefusalIsolation` finds the records it refuses on their own; they go
/// to the quarantine (kept intact, counted, logged as errors, listed by the admin API) before
/// the cursor moves past them, and the rest of the batch is written. Records the spool cannot
/// read back go to the quarantine as raw bytes the same way.
public final class SpoolDrainer: Sendable {
    public let spool: EvidenceSpool
    let calls: any CallRecordStore
    let audit: (any AdminAuditStore)?
    let batchSize: Int
    /// How long the drain waits after records arrive before it reads them (`run`).
    let gather: Duration
    let log: @Sendable (_ message: String, _ isError: Bool) -> Void
    /// Where refused and unreadable records are kept (`quarantine.jsonl` in the spool directory).
    public let quarantine: EvidenceQuarantine
    let now: @Sendable () -> Date
    private let drainedRecords = Atomic<Int>(0)
    private let unreadable = Atomic<Int>(0)
    private let failures = Atomic<Int>(0)
    private let lastFailureText = Mutex<String?>(nil)

    /// `audit` may be nil while no audit store is wired: audit items then wait in the spool
    /// (the drain stalls with an error) rather than being dropped.
    public init(
        spool: EvidenceSpool, calls: any CallRecordStore, audit: (any AdminAuditStore)?, batchSize: Int = 1000,
        gather: Duration = .milliseconds(50), quarantine: EvidenceQuarantine? = nil,
        log: @escaping @Sendable (_ message: String, _ isError: Bool) -> Void = { _, _ in }, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.spool = spool
        self.quarantine = quarantine ?? EvidenceQuarantine(directory: spool.directory)
        self.now = now
        self.calls = calls
        self.audit = audit
        self.batchSize = batchSize
        self.gather = gather
        self.log = log
    }

    /// Records written to the stores since start (replays included).
    public var drainedCount: Int { drainedRecords.load(ordering: .relaxed) }
    /// Records skipped because the spool could not read them back (disk damage).
    public var unreadableCount: Int { unreadable.load(ordering: .relaxed) }
    /// Failed store writes since start (each retried).
    public var failureCount: Int { failures.load(ordering: .relaxed) }
    /// The last store failure, for the admin API (no record contents).
    public var lastFailure: String? { lastFailureText.withLock { $0 } }

    /// Drains one batch; false when nothing durable was pending. Throws (committing nothing)
    /// when the database is unreachable or the quarantine cannot be written.
    @discardableResult
    public func drainBatch() async throws -> Bool {
        guard let batch = try await spool.readPending(maxRecords: batchSize) else { return false }
        if !batch.problems.isEmpty {
            unreadable.wrappingAdd(batch.unreadable, ordering: .relaxed)
            for problem in batch.problems.prefix(10) { log("spool record unreadable; kept in the evidence quarantine: \(problem)", true) }
        }
        let at = now()
        var held = batch.unreadableRecords.map { QuarantinedEvidence(sequence: $0.sequence, unreadable: $0.bytes, reason: $0.reason, at: at) }
        let refused: [RefusalIsolation.Refused]
        do {
            refused = try await RefusalIsolation.write(batch.items, isContentRefusal: RefusalIsolation.isContentRefusal) { items in
                try await self.store(items)
            }
        } catch {
            failures.wrappingAdd(1, ordering: .relaxed)
            lastFailureText.withLock { $0 = String(String(describing: error).prefix(300)) }
            throw error
        }
        for refusal in refused {
            let sequence = batch.sequences.indices.contains(refusal.offset) ? batch.sequences[refusal.offset] : batch.end.sequence
            held.append(QuarantinedEvidence(
                sequence: sequence, item: batch.items[refusal.offset], reason: String(String(describing: refusal.reason).prefix(500)), at: at))
        }
        if !held.isEmpty {
            // Durable in the quarantine before the cursor moves past them: never lost.
            for entry in try await quarantine.add(held) { alarm(entry) }
        }
        try await spool.commit(batch.end)
        drainedRecords.wrappingAdd(batch.items.count - refused.count, ordering: .relaxed)
        return true
    }

    /// Writes `items` to their stores (calls, then audit entries).
    private func store(_ items: [EvidenceItem]) async throws {
        var callRecords: [CallRecord] = []
        var auditEntries: [AdminAuditEntry] = []
        for item in items {
            switch item {
            case .call(let record): callRecords.append(record)
            case .audit(let entry): auditEntries.append(entry)
            }
        }
        if !callRecords.isEmpty { try await calls.append(callRecords) }
        if !auditEntries.isEmpty {
            guard let audit else { throw DrainError("audit entries are spooled but no audit store is configured") }
            try await audit.appendAudit(auditEntries)
        }
    }

    /// The error line for one quarantined record: what and why, never its contents.
    private func alarm(_ entry: QuarantinedEvidence) {
        let what: String
        switch entry.kind {
        case "audit":
            what = "audit entry \(entry.id ?? "?") quarantined: the audit trail in the database has a gap at this sequence until it is re-driven"
        case "call": what = "call record \(entry.id ?? "?") quarantined"
        default: what = "unreadable spool bytes quarantined"
        }
        log("evidence refused by the database, set aside: \(what) (spool sequence \(entry.sequence)); the rest of the evidence flows on; "
            + "see GET /admin/evidence/quarantine. Reason: \(entry.reason)", true)
    }

    /// Drains until nothing durable is pending (or a store write fails).
    public func drainAvailable() async throws {
        while try await drainBatch() {}
    }

    /// Drains as records arrive until cancelled, `gather` after the first of them, retrying
    /// failures with backoff (50 ms doubling to `maxBackoff`). Each drain runs in its own unstructured task: cancelling `run` stops the
    /// loop between batches, never a store write half-way (some drivers abandon cancelled work).
    public func run(maxBackoff: Duration = .seconds(5)) async {
        var signals = spool.appended.makeAsyncIterator()
        var delay = Duration.milliseconds(50)
        var failing = false
        while !Task.isCancelled {
            do {
                let more = try await Task { try await self.drainBatch() }.value
                if failing { log("evidence drain recovered; backlog is being written", false) }
                failing = false
                delay = .milliseconds(50)
                if more { continue }
                guard await signals.next() != nil else { return }
                // Records arrive one flush (or one strict commit) at a time: waiting a moment
                // lets one read, one store transaction and one checkpoint fsync carry many of
                // them instead of one each (the records are durable in the spool meanwhile).
                if gather > .zero { try? await Task.sleep(for: gather) }
            } catch {
                if !failing { log("evidence drain failed; retrying with backoff (the spool keeps the records): \(lastFailure ?? "\(error)")", true) }
                failing = true
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, maxBackoff)
            }
        }
    }

    struct DrainError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}
