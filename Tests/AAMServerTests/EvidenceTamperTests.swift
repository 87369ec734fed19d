import AAMCore
import AAMSecrets
import AAMStorePostgres
import Foundation
import Testing

@testable import AAMServer

/// The keyed evidence chains on a real store, attacked as someone with write access to the
/// database but without the master key would: each attack is named by the server-side verifier
/// (`AuditTrailReader.verify`, what `aam audit verify --database` and `GET /admin/audit/verify` run).
enum EvidenceTamperFixture {
    static let auditEntries = 5
    static let batches = 3
    static let recordsPerBatch = 3

    static func record(_ index: Int) -> CallRecord {
        var record = CallRecord(
            requestId: "req_tamper_\(index)", startedAt: Date(timeIntervalSince1970: 1_800_000_000 + Double(index) + 0.125),
            endpoint: "/v1/chat/completions", status: 200, outcome: .success)
        record.alias = "fast"
        record.orgId = "acme"
        record.promptTokens = index
        return record
    }

    /// Fills the database through the production write paths: a keyed `AuditLog` and the
    /// store's `append` (the drain's path), `batches` appends of `recordsPerBatch` records.
    static func populate(_ url: String, master: MasterKey) async throws {
        let stores = try await StoreFactory.open(url)
        do {
            let keys = try await EvidenceChainKeyring.bootstrap(store: stores.config, sealer: CredentialSealer(master: master))
            let chain = try #require(stores.chain)
            await chain.attachChain(keys)
            let log = AuditLog(
                store: stores.audit, sink: DirectEvidenceSink(audit: stores.audit), clock: SystemClock(), keys: keys, callChain: chain)
            for index in 1...auditEntries {
                try await log.append([AuditDraft(actor: "admin:1a2b3c4d", action: "org.create", target: "org:o\(index)", after: #"{"id":"o\#(index)"}"#)])
            }
            for batch in 0..<batches {
                try await stores.calls.append((0..<recordsPerBatch).map { record(batch * recordsPerBatch + $0 + 1) })
            }
            // A replayed batch (the spool after a crash) is stored and chained once.
            try await stores.calls.append((0..<recordsPerBatch).map { record($0 + 1) })
        } catch {
            await stores.close()
            throw error
        }
        await stores.close()
    }

    static func verify(_ url: String, master: MasterKey, anchors: [EvidenceAnchor] = []) async throws -> EvidenceReport {
        try await AuditTrailReader.verify(database: url, masterKey: master, anchors: anchors)
    }

    /// What an attacker without the key computes: entry `sequence` with `target` changed and
    /// re-hashed with plain SHA-256 (as the unkeyed chain was), linked to the row before it.
    static func rehashedWithSHA256(_ url: String, sequence: Int64, target: String) async throws -> (target: String, hash: String) {
        let stores = try await StoreFactory.open(url)
        let entry = try await stores.audit.auditEntries(AdminAuditQuery(afterSequence: sequence - 1, limit: 1)).first
        await stores.close()
        var forged = try #require(entry)
        forged.target = target
        return (target, AuditHasher.sha256(AuditCanonicalForm.bytes(of: forged)))
    }
}

@Suite("Evidence integrity: tamper tests on SQLite", .serialized)
struct EvidenceTamperSQLiteTests {
    let master = try! MasterKey(base64: MasterKey.generateBase64())

    /// A fresh populated database per attack, the attack applied with the sqlite3 shell.
    func attacked(_ sql: (String) async throws -> String) async throws -> (report: EvidenceReport, url: String, clean: EvidenceReport) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aam-evidence-\(Identifiers.random(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("aam.db").path
        let url = "sqlite:\(path)"
        try await EvidenceTamperFixture.populate(url, master: master)
        let clean = try await EvidenceTamperFixture.verify(url, master: master)
        try Self.sqlite(path, try await sql(url))
        return (try await EvidenceTamperFixture.verify(url, master: master, anchors: anchors(clean)), url, clean)
    }

    var useAnchors = false
    func anchors(_ clean: EvidenceReport) -> [EvidenceAnchor] {
        guard useAnchors else { return [] }
        return [
            EvidenceAnchor(chain: .audit, sequence: clean.audit.lastSequence, link: clean.audit.head),
            EvidenceAnchor(chain: .calls, sequence: clean.calls?.lastSequence ?? 0, link: clean.calls?.head ?? ""),
        ]
    }

    static func sqlite(_ path: String, _ sql: String) throws {
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        shell.arguments = [path, sql]
        let errors = Pipe()
        shell.standardError = errors
        try shell.run()
        shell.waitUntilExit()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        guard shell.terminationStatus == 0 else { throw HarnessError("sqlite3 failed: \(message)") }
    }

    @Test("an untouched database verifies: keyed audit entries, batches chained once even when replayed")
    func intact() async throws {
        let (report, _, clean) = try await attacked { _ in "SELECT 1" }
        #expect(report == clean)
        #expect(report.ok)
        #expect(report.audit.links == EvidenceTamperFixture.auditEntries && report.audit.unkeyed == 0)
        #expect(report.audit.head.hasPrefix("hmac-sha256:ck_"))
        #expect(report.calls?.links == EvidenceTamperFixture.batches)
        #expect(report.calls?.records == Int64(EvidenceTamperFixture.batches * EvidenceTamperFixture.recordsPerBatch))
        #expect(report.lines[0].hasPrefix("audit chain OK: 5 entries, last sequence 5, head hash hmac-sha256:ck_"))
        #expect(report.lines[1].hasPrefix("call chain OK: 3 batches, 9 call records, last batch 3, head MAC hmac-sha256:ck_"))
    }

    @Test("an edited audit row is named")
    func editedAuditRow() async throws {
        let (report, _, _) = try await attacked { _ in "UPDATE admin_audit SET action = 'org.delete' WHERE sequence = 3" }
        #expect(!report.ok)
        #expect(report.audit.summary == "BROKEN at sequence 3: modified (its content does not match its hash)")
    }

    @Test("a deleted middle audit row is named")
    func deletedAuditRow() async throws {
        let (report, _, _) = try await attacked { _ in "DELETE FROM admin_audit WHERE sequence = 3" }
        #expect(report.audit.summary == "BROKEN at sequence 3: missing (sequence 3 is absent; the next row present is sequence 4)")
    }

    @Test("a truncated tail re-hashed with plain SHA-256 (no key) is refused: downgraded")
    func truncatedAndRehashed() async throws {
        let (report, _, _) = try await attacked { url in
            let forged = try await EvidenceTamperFixture.rehashedWithSHA256(url, sequence: 3, target: "org:forged")
            return "DELETE FROM admin_audit WHERE sequence > 3; UPDATE admin_audit SET target = '\(forged.target)', hash = '\(forged.hash)' WHERE sequence = 3"
        }
        #expect(report.audit.problem?.kind == "downgraded")
        #expect(report.audit.problem?.sequence == 3)
    }

    @Test("a truncated tail (audit and calls) passes alone and is caught against the anchors")
    func truncatedTail() async throws {
        let truncate = "DELETE FROM admin_audit WHERE sequence > 3; DELETE FROM call_records WHERE chain_link = 3; DELETE FROM evidence_chain WHERE sequence = 3"
        let (alone, _, _) = try await attacked { _ in truncate }
        #expect(alone.ok)
        var anchored = self
        anchored.useAnchors = true
        let (report, _, _) = try await anchored.attacked { _ in truncate }
        #expect(!report.ok)
        #expect(report.anchors == 2)
        #expect(report.audit.problem?.kind == "truncated")
        #expect(report.audit.problem?.sequence == 4)
        #expect(report.calls?.problem?.kind == "truncated")
        #expect(report.calls?.problem?.sequence == 3)
    }

    @Test("a deleted, an edited and a forged call record are each named")
    func callRecords() async throws {
        let (deleted, _, _) = try await attacked { _ in "DELETE FROM call_records WHERE request_id = 'req_tamper_5'" }
        #expect(deleted.calls?.summary == "BROKEN at sequence 2: missing (batch 2 chained 3 call records, 2 are present: records were deleted)")
        let (edited, _, _) = try await attacked { _ in "UPDATE call_records SET prompt_tokens = 0 WHERE request_id = 'req_tamper_2'" }
        #expect(edited.calls?.problem?.kind == "modified")
        #expect(edited.calls?.problem?.sequence == 1)
        let (forged, _, _) = try await attacked { _ in
            """
            INSERT INTO call_records (request_id, started_at, endpoint, status, outcome, prompt_tokens, completion_tokens, latency_ms, streamed, attempts)
            VALUES ('req_forged', 1800000000, '/v1/chat/completions', 200, 'success', 0, 0, 0, 0, '[]')
            """
        }
        #expect(forged.calls?.problem?.kind == "unchained")
    }

    @Test("a deleted middle batch (its records and its link) is named")
    func deletedBatch() async throws {
        let (report, _, _) = try await attacked { _ in "DELETE FROM call_records WHERE chain_link = 2; DELETE FROM evidence_chain WHERE sequence = 2" }
        #expect(report.calls?.problem?.kind == "missing")
        #expect(report.calls?.problem?.sequence == 2)
        #expect(report.audit.problem == nil)
    }
}

@Suite("Evidence integrity: tamper tests on Postgres", .serialized)
struct EvidenceTamperPostgresTests {
    let master = try! MasterKey(base64: MasterKey.generateBase64())

    func attacked(_ statements: (String) async throws -> [String], anchored: Bool = false) async throws -> EvidenceReport {
        let server = try #require(AuditTamperPostgresTests.serverURL, "AAM_TEST_POSTGRES_URL is not set, and CI requires the Postgres tests")
        let url = try await PostgresDatabaseAdmin.createScratchDatabase(on: server, prefix: "aam_evid")
        do {
            try await EvidenceTamperFixture.populate(url.unmaskedString, master: master)
            let clean = try await EvidenceTamperFixture.verify(url.unmaskedString, master: master)
            #expect(clean.ok, "\(clean.lines)")
            for sql in try await statements(url.unmaskedString) { try await PostgresDatabaseAdmin.execute(sql, on: url, what: "tamper") }
            let anchors =
                anchored
                ? [
                    EvidenceAnchor(chain: .audit, sequence: clean.audit.lastSequence, link: clean.audit.head),
                    EvidenceAnchor(chain: .calls, sequence: clean.calls?.lastSequence ?? 0, link: clean.calls?.head ?? ""),
                ] : []
            let report = try await EvidenceTamperFixture.verify(url.unmaskedString, master: master, anchors: anchors)
            try await PostgresDatabaseAdmin.dropDatabase(url, via: server)
            return report
        } catch {
            try? await PostgresDatabaseAdmin.dropDatabase(url, via: server)
            throw error
        }
    }

    @Test(
        "edit, delete, truncate and re-hash, delete a call record, delete a batch: each is named on Postgres",
        .enabled(if: AuditTamperPostgresTests.shouldRun, "SKIPPED: AAM_TEST_POSTGRES_URL is not set (run scripts/with-postgres)"))
    func attacks() async throws {
        let intact = try await attacked { _ in [] }
        #expect(intact.ok)
        #expect(intact.calls?.records == 9)

        let edited = try await attacked { _ in ["UPDATE admin_audit SET action = 'org.delete' WHERE sequence = 3"] }
        #expect(edited.audit.summary == "BROKEN at sequence 3: modified (its content does not match its hash)")

        let deleted = try await attacked { _ in ["DELETE FROM admin_audit WHERE sequence = 2"] }
        #expect(deleted.audit.problem?.kind == "missing")

        let rehashed = try await attacked { url in
            let forged = try await EvidenceTamperFixture.rehashedWithSHA256(url, sequence: 3, target: "org:forged")
            return [
                "DELETE FROM admin_audit WHERE sequence > 3",
                "UPDATE admin_audit SET target = '\(forged.target)', hash = '\(forged.hash)' WHERE sequence = 3",
            ]
        }
        #expect(rehashed.audit.problem?.kind == "downgraded")

        let truncated = try await attacked(
            { _ in ["DELETE FROM admin_audit WHERE sequence > 3", "DELETE FROM call_records WHERE chain_link = 3", "DELETE FROM evidence_chain WHERE sequence = 3"] },
            anchored: true)
        #expect(truncated.audit.problem?.kind == "truncated")
        #expect(truncated.calls?.problem?.kind == "truncated")

        let record = try await attacked { _ in ["DELETE FROM call_records WHERE request_id = 'req_tamper_5'"] }
        #expect(record.calls?.summary == "BROKEN at sequence 2: missing (batch 2 chained 3 call records, 2 are present: records were deleted)")

        let editedRecord = try await attacked { _ in ["UPDATE call_records SET record = replace(record, '\"promptTokens\":2', '\"promptTokens\":0') WHERE request_id = 'req_tamper_2'"] }
        #expect(editedRecord.calls?.problem?.kind == "modified")

        let batch = try await attacked { _ in ["DELETE FROM call_records WHERE chain_link = 2", "DELETE FROM evidence_chain WHERE sequence = 2"] }
        #expect(batch.calls?.problem?.kind == "missing")
        #expect(batch.calls?.problem?.sequence == 2)
    }
}
