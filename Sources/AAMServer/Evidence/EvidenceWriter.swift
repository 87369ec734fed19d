import AAMCore
import AAMStore
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Makes every call record and audit entry durable, in one of two modes (`EvidenceSettings`),
/// through the crash-safe spool (or straight into the store when there is none), and drains the
/// spool into the database.
///
/// - strict: `CallTrace.finish` hands the record over and the endpoint awaits `appendDurably`
///   before the response completes (group commit keeps this to one fsync per batch of calls).
/// - batched: `CallTrace.finish` buffers the record in memory; the flush loop appends the buffer
///   to the spool every `flushIntervalMs`. A `kill -9` loses at most that window.
///
/// Audit entries (`appendDurably` from the audit log) are always durable before the call returns.
/// At the spool's limit new calls are refused (`acceptsNewCalls`, 503 `evidence_unavailable`).
public final class EvidenceWriter: Service, EvidenceSink, EvidenceBacklogSource {
    public let durability: EvidenceSettings.Durability
    /// Nil when records go straight to the store (in-memory database).
    public let spool: EvidenceSpool?
    public let drainer: SpoolDrainer?
    let sink: any EvidenceSink
    let flushInterval: Duration
    let logger: Logger
    private let buffer = Mutex<[EvidenceItem]>([])
    private let refused = Atomic<Int>(0)
    /// Set while buffered records cannot be appended (the sink refused them): new calls are
    /// refused until a flush succeeds, so the memory buffer cannot grow without bound.
    private let sinkRefusing = Atomic<Bool>(false)

    /// Opens the spool (replaying nothing yet: see `replayBacklog`) or the direct store sink.
    public static func open(
        settings: EvidenceSettings, database: String, calls: any CallRecordStore, audit: (any AdminAuditStore)?, bus: EventBus, logger: Logger
    ) throws -> EvidenceWriter {
        guard let directory = settings.resolvedSpoolDirectory(database: database) else {
            return EvidenceWriter(settings: settings, spool: nil, drainer: nil, sink: StoreEvidenceSink(calls: calls, audit: audit), logger: logger)
        }
        var options = EvidenceSpool.Options()
        options.limitBytes = settings.spoolMaxBytes
        let spool: EvidenceSpool
        do { spool = try EvidenceSpool(directory: directory, options: options) } catch {
            throw StartupError("cannot open the evidence spool in \(directory): \(error)")
        }
        if spool.recovery.truncatedBytes > 0 {
            logger.warning("evidence spool: cut a torn tail left by a crash", metadata: [
                "bytes": "\(spool.recovery.truncatedBytes)", "reason": "\(spool.recovery.truncationReason ?? "")"])
        }
        spool.onAlarm { alarm in
            switch alarm {
            case .raised(let backlog):
                logger.error("evidence spool above its high-water mark: the database is not keeping up", metadata: [
                    "backlog_bytes": "\(backlog.bytes)", "backlog_records": "\(backlog.records)", "limit_bytes": "\(backlog.limitBytes)"])
                bus.publish(.spoolAlarm(backlogBytes: backlog.bytes, limitBytes: backlog.limitBytes))
            case .cleared(let backlog):
                logger.notice("evidence spool back below its high-water mark", metadata: ["backlog_bytes": "\(backlog.bytes)"])
            }
        }
        let drainer = SpoolDrainer(spool: spool, calls: calls, audit: audit) { message, isError in
            if isError { logger.error("\(message)") } else { logger.notice("\(message)") }
        }
        return EvidenceWriter(settings: settings, spool: spool, drainer: drainer, sink: spool, logger: logger)
    }

    init(settings: EvidenceSettings, spool: EvidenceSpool?, drainer: SpoolDrainer?, sink: any EvidenceSink, logger: Logger) {
        self.durability = settings.durability
        self.spool = spool
        self.drainer = drainer
        self.sink = sink
        self.flushInterval = .milliseconds(max(1, settings.flushIntervalMs))
        self.logger = logger
    }

    // MARK: The request path

    /// False when new calls must be refused: the spool is at its limit or has failed.
    public var acceptsNewCalls: Bool {
        if !sinkRefusing.load(ordering: .relaxed), spool?.acceptsNewCalls ?? true { return true }
        refused.wrappingAdd(1, ordering: .relaxed)
        return false
    }

    /// A finished call's record. Strict: returns true, and the caller must `appendDurably` it
    /// before completing the response. Batched: buffers it and returns false.
    func accept(_ record: CallRecord) -> Bool {
        if durability == .strict { return true }
        enqueue(record)
        return false
    }

    /// Buffers a record for the next flush (batched mode, or a strict record nobody awaited).
    func enqueue(_ record: CallRecord) {
        buffer.withLock { $0.append(.call(record)) }
    }

    /// Buffers a record the sink just refused (strict mode), and refuses new calls until a
    /// flush gets it in.
    func enqueueRefused(_ record: CallRecord) {
        sinkRefusing.store(true, ordering: .relaxed)
        enqueue(record)
    }

    /// Durable before returning (the spool's group commit, or the store). Throws when it could
    /// not be: full, failed, closed, or the store refused.
    public func appendDurably(_ items: [EvidenceItem]) async throws {
        try await sink.appendDurably(items)
    }

    // MARK: Figures (metrics, admin API)

    /// The spool's undrained backlog (records buffered in memory count as records, 0 bytes).
    public var backlog: SpoolBacklog {
        let buffered = buffer.withLock { $0.count }
        guard var backlog = spool?.backlog else {
            return SpoolBacklog(records: buffered, bytes: 0, oldestAppendedAt: nil, limitBytes: 0, segments: 0)
        }
        backlog.records += buffered
        return backlog
    }

    public var backlogRecords: Int { backlog.records }
    public var backlogBytes: Int { spool?.backlog.bytes ?? 0 }
    /// Calls refused because evidence could not be recorded.
    public var refusedCalls: Int { refused.load(ordering: .relaxed) }
    /// Records written to the database by the drain since start.
    public var drainedCount: Int { drainer?.drainedCount ?? 0 }
    /// This writer reads no bus events, so it never drops any (kept for the metrics' dropped-events figure).
    public var droppedEvents: Int { 0 }
    /// Records quarantined since start (`aam_evidence_quarantined_total`).
    public var quarantinedCount: Int { drainer?.quarantine.quarantinedSinceStart ?? 0 }
    /// Records in the quarantine now (`aam_evidence_quarantine_records`).
    public var quarantineRecords: Int { drainer?.quarantine.count ?? 0 }

    // MARK: The evidence quarantine (records the database refused)

    /// The quarantine's entries, without record contents (empty without a spool).
    public func quarantineList() async throws -> [QuarantinedEvidence] {
        try await drainer?.quarantine.list() ?? []
    }

    /// Appends the quarantined records with these keys (nil: all) to the spool again, then takes
    /// them out of the quarantine: they drain like new records (refused again, they come back
    /// under new keys). Unreadable bytes cannot be re-driven and stay. Returns the re-driven keys.
    public func redriveQuarantine(keys: Set<String>?) async throws -> [String] {
        guard let drainer, let spool else { return [] }
        let chosen = try await drainer.quarantine.entries().filter { ($0.item != nil) && (keys?.contains($0.key) ?? true) }
        guard !chosen.isEmpty else { return [] }
        // Spooled first, removed second: a crash in between leaves a copy in both, never none.
        try await spool.appendDurably(chosen.compactMap(\.item))
        try await drainer.quarantine.remove(keys: Set(chosen.map(\.key)))
        logger.notice("evidence quarantine re-driven into the spool", metadata: ["records": "\(chosen.count)"])
        return chosen.map(\.key)
    }

    /// Deletes the quarantined records with these keys (nil: all). Returns the removed entries'
    /// summaries (the caller audits the discard).
    public func discardQuarantine(keys: Set<String>?) async throws -> [QuarantinedEvidence] {
        guard let drainer else { return [] }
        return try await drainer.quarantine.remove(keys: keys).map(\.summary)
    }

    // MARK: Lifecycle

    /// Writes everything the spool holds from a previous run into the database (at start,
    /// before spend is replayed from the store).
    public func replayBacklog() async throws {
        guard let drainer, let spool else { return }
        // Loads the quarantine (for its gauge) and says at start that records wait in it.
        let waiting = try await drainer.quarantine.list().count
        if waiting > 0 {
            logger.error("evidence quarantine holds records the database refused; see GET /admin/evidence/quarantine", metadata: [
                "records": "\(waiting)", "file": "\(drainer.quarantine.path)"])
        }
        let pending = spool.backlog.records
        guard pending > 0 else { return }
        try await drainer.drainAvailable()
        logger.notice("evidence spool replayed into the database", metadata: ["records": "\(pending)"])
    }

    /// Appends the in-memory buffer now. On failure the records stay buffered for the next try.
    public func flush() async {
        let batch = buffer.withLock { pending -> [EvidenceItem] in
            defer { pending.removeAll(keepingCapacity: true) }
            return pending
        }
        guard !batch.isEmpty else {
            sinkRefusing.store(false, ordering: .relaxed)
            return
        }
        do {
            try await sink.appendDurably(batch)
            sinkRefusing.store(false, ordering: .relaxed)
        } catch {
            sinkRefusing.store(true, ordering: .relaxed)
            logger.error("evidence flush failed; keeping the records in memory", metadata: ["records": "\(batch.count)", "error": "\(error)"])
            buffer.withLock { $0.insert(contentsOf: batch, at: 0) }
        }
    }

    /// Drains the spool until empty (tests, shutdown).
    public func drainNow() async throws {
        try await drainer?.drainAvailable()
    }

    public func run() async throws {
        let drainer = drainer
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { [self] in
                    while !Task.isCancelled {
                        try? await Task.sleep(for: flushInterval)
                        await flush()
                    }
                }
                if let drainer {
                    group.addTask { await drainer.run() }
                }
            }
        }
        // In-flight calls have finished (the HTTP service stops first): flush, drain what the
        // database takes within a few seconds, close. Unstructured, so a cancelled shutdown
        // cannot abandon a write half-way; what is left is replayed at the next start.
        await Task { await self.finishOnShutdown() }.value
    }

    private func finishOnShutdown() async {
        await flush()
        if let drainer {
            // Batch by batch until empty, a failure, or the deadline (never cancelling a write).
            let deadline = ContinuousClock.now + .seconds(5)
            while ContinuousClock.now < deadline, (try? await drainer.drainBatch()) == true {}
            if let left = spool?.backlog.records, left > 0 {
                logger.warning("evidence left in the spool at shutdown; it is replayed at the next start", metadata: ["records": "\(left)"])
            }
        }
        await spool?.close()
    }

    /// Closes the spool without draining (a start that failed half-way).
    func abandon() async {
        await spool?.close()
    }
}
