import AAMCore
import AAMSecrets
import AAMStore
import Foundation
import Logging
import Synchronization
import Testing

@testable import AAMServer

/// An audit store that refuses, for their content, the entries whose sequences are listed (as
/// Postgres refuses a batch with a data exception), and like the real stores skips a sequence
/// it already holds.
final class RefusingAuditStore: AdminAuditStore {
    struct Refused: StoreWriteRefusal { var refusesContent: Bool { true } }
    let inner = InMemoryAdminAuditStore()
    let refused = Mutex<Set<Int64>>([])

    func appendAudit(_ entries: [AdminAuditEntry]) async throws {
        let refused = refused.withLock { $0 }
        if entries.contains(where: { refused.contains($0.sequence) }) { throw Refused() }
        try await inner.appendAudit(entries)
    }

    func lastAudit() async throws -> AdminAuditEntry? { try await inner.lastAudit() }
    func auditEntries(_ query: AdminAuditQuery) async throws -> [AdminAuditEntry] { try await inner.auditEntries(query) }
}

/// A refused (quarantined) audit entry that was the last one: a restart read the head from the
/// store, handed its sequence out again, and the re-drive of the quarantined entry was then
/// skipped as already present, so the trail silently lost it.
@Suite struct QuarantinedAuditHeadTests {
    /// One run of the daemon's evidence path: spool, drain, quarantine, keyed audit log.
    struct Run {
        let writer: EvidenceWriter
        let log: AuditLog

        init(directory: String, store: RefusingAuditStore, keys: EvidenceChainKeyring) throws {
            let spool = try EvidenceSpool(directory: directory)
            let drainer = SpoolDrainer(spool: spool, calls: InMemoryCallRecordStore(), audit: store) { _, _ in }
            writer = EvidenceWriter(settings: EvidenceSettings(), spool: spool, drainer: drainer, sink: spool, logger: Logger(label: "test"))
            log = AuditLog(store: store, sink: writer, clock: SystemClock(), keys: keys, callChain: nil)
        }

        func change(_ name: String) async throws -> AdminAuditEntry {
            let entries = try await log.append([AuditDraft(actor: "admin:1a2b3c4d", action: "org.create", target: "org:\(name)")])
            return try #require(entries.first)
        }
    }

    @Test func aQuarantinedLastEntryKeepsItsSequenceAcrossARestartAndVerifiesAsAKnownGap() async throws {
        // (The spools are closed on the happy path; a failed expectation leaves the temporary
        // directory's lock to the process's end, which is harmless for a unique directory.)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aam-quarantined-head-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let keys = try await EvidenceChainKeyring.bootstrap(
            store: InMemoryConfigStore(), sealer: CredentialSealer(master: MasterKey(base64: MasterKey.generateBase64())))
        let store = RefusingAuditStore()
        store.refused.withLock { $0 = [2] }

        let first = try Run(directory: directory, store: store, keys: keys)
        _ = try await first.change("a")
        let refused = try await first.change("b")
        #expect(refused.sequence == 2)
        try await first.writer.drainNow()
        #expect(try await store.lastAudit()?.sequence == 1, "the database refused the last entry")
        #expect(try await first.writer.quarantineList().map(\.id) == ["2"])

        await first.writer.abandon()  // releases the spool directory's lock

        // Restart: a new spool reader, drain and log over the same directory and database.
        let second = try Run(directory: directory, store: store, keys: keys)
        try await second.writer.replayBacklog()
        let head = try await second.log.currentHead()
        #expect(head.sequence == 2 && head.hash == refused.hash, "the head counts the quarantined entry")
        let next = try await second.change("c")
        #expect(next.sequence == 3, "the quarantined sequence is not handed out again")
        #expect(next.previousHash == refused.hash, "the next entry links to the held one")
        try await second.writer.drainNow()

        // Verify: the gap is known (held, verified in place), not a break.
        let held = try await #require(second.log.held).heldAuditEntries()
        let report = try await EvidenceVerification.report(audit: store, calls: nil, keys: keys, held: held)
        #expect(report.ok, "\(report.lines)")
        #expect(report.audit.quarantined == [2])
        #expect(report.audit.summary.contains("known gap: sequence 2 quarantined, see /admin/evidence/quarantine"), "\(report.audit.summary)")
        #expect(report.audit.lastSequence == 3)
        // Without the quarantine's entries the same trail is an unexplained break.
        let blind = try await EvidenceVerification.report(audit: store, calls: nil, keys: keys)
        #expect(!blind.ok && blind.audit.problem?.kind == "missing" && blind.audit.problem?.sequence == 2)

        // The cause is fixed; the re-drive restores the entry exactly and the gap closes.
        store.refused.withLock { $0 = [] }
        #expect(try await second.writer.redriveQuarantine(keys: nil).count == 1)
        try await second.writer.drainNow()
        let stored = try await store.auditEntries(AdminAuditQuery(limit: 10))
        #expect(stored.map(\.sequence) == [1, 2, 3])
        #expect(stored.first { $0.sequence == 2 } == refused, "the re-driven entry, not another change, holds sequence 2")
        let healed = try await EvidenceVerification.report(
            audit: store, calls: nil, keys: keys, held: try await #require(second.log.held).heldAuditEntries())
        #expect(healed.ok && healed.audit.quarantined == nil, "\(healed.lines)")
        #expect(!healed.audit.summary.contains("known gap"))
        await second.writer.abandon()
    }
}
