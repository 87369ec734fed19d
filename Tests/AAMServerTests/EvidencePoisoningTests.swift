import AAMCore
import AAMSecrets
import AAMServer
import AAMStorePostgres
import Foundation
import Testing

/// Issue 13 item 4: one hostile record must not stop the evidence. `"model":"\u0000"` put a
/// NUL into a text column; Postgres refused the whole batch, the drain retried it forever,
/// later records and audit entries piled up, and a restart refused to replay the spool.
@Suite("Evidence poisoning on Postgres", .serialized)
struct EvidencePoisoningTests {
    static var shouldRun: Bool { PostgresDaemonTests.shouldRun }

    /// A scratch database and a spool directory of the test's own; both removed afterwards.
    func withScratch(_ body: (PostgresURL, String) async throws -> Void) async throws {
        guard let server = PostgresDaemonTests.serverURL else {
            Issue.record("AAM_TEST_POSTGRES_URL is not set, and CI requires the Postgres tests: run them through scripts/with-postgres")
            return
        }
        let scratch = try await PostgresDatabaseAdmin.createScratchDatabase(on: server, prefix: "aam_poison")
        let spool = FileManager.default.temporaryDirectory.appendingPathComponent("aam-poison-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: spool) }
        do { try await body(scratch, spool) } catch {
            try? await PostgresDatabaseAdmin.dropDatabase(scratch, via: server)
            throw error
        }
        try await PostgresDatabaseAdmin.dropDatabase(scratch, via: server)
    }

    static func start(_ url: PostgresURL, spool: String, master: String) async throws -> GatewayHarness {
        try await GatewayHarness.start(database: url.unmaskedString, masterKey: master) { options in
            options.evidence.spoolDirectory = spool
        }
    }

    /// Makes Postgres refuse, for their content (a data exception, SQLSTATE 22023), the rows
    /// inserted into `table` for which `condition` holds, with `message`: a trigger `name` and its function.
    static func refuseInserts(named name: String, into table: String, when condition: String, message: String, on url: PostgresURL) async throws {
        try await PostgresDatabaseAdmin.execute(
            """
            CREATE FUNCTION \(name)() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF \(condition) THEN RAISE EXCEPTION '\(message)' USING ERRCODE = '22023'; END IF;
              RETURN NEW;
            END $$
            """, on: url, what: "create the trigger function")
        try await PostgresDatabaseAdmin.execute(
            "CREATE TRIGGER \(name) BEFORE INSERT ON \(table) FOR EACH ROW EXECUTE FUNCTION \(name)()", on: url, what: "create the trigger")
    }

    /// Polls until `condition` holds (the drain runs in the background).
    static func eventually(_ what: String, timeout: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while try await !condition() {
            guard ContinuousClock.now < deadline else {
                Issue.record("timed out waiting: \(what)")
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    @Test(
        "a NUL in the model name: the evidence keeps flowing into Postgres and a restart works",
        .enabled(if: shouldRun, "SKIPPED: AAM_TEST_POSTGRES_URL is not set (run scripts/with-postgres)"))
    func nulModelName() async throws {
        try await withScratch { url, spool in
            let master = MasterKey.generateBase64()
            var poisonedID = ""
            var honestID = ""
            let first = try await Self.start(url, spool: spool, master: master)
            do {
                try await first.addSimulatedAliases(["fast"])
                let key = try await first.issueKey()
                // The attack, byte for byte: a JSON escape that decodes to U+0000.
                let attack = try await first.call("/v1/chat/completions", key: key.secret, json: #"{"model":"\u0000","messages":[{"role":"user","content":"hi"}]}"#)
                #expect((400..<500).contains(attack.status), "\(attack.text)")
                poisonedID = try #require(attack.header("x-request-id"))
                let honest = try await first.call("/v1/chat/completions", key: key.secret, json: #"{"model":"fast","messages":[{"role":"user","content":"hi"}]}"#)
                #expect(honest.status == 200, "\(honest.text)")
                honestID = try #require(honest.header("x-request-id"))
                // An admin change after the attack: its audit entry must reach Postgres too.
                try await first.adminOK(.PUT, "/admin/aliases/fast", json: #"{"retries":2}"#)
                try await first.gateway.writer.drainNow()
                #expect(first.gateway.writer.backlogRecords == 0, "nothing is stuck in the spool")
                let quarantine = try await first.adminOK(.GET, "/admin/evidence/quarantine")
                #expect(quarantine["count"] as? Int == 0, "NUL is made storable, not refused: \(quarantine)")
            } catch {
                await first.stop()
                throw error
            }
            await first.stop()

            let store = try await PostgresStore.open(url: url.unmaskedString)
            do {
                #expect(try await store.call(requestId: honestID)?.outcome == .success, "the next honest call's record reached Postgres")
                let poisoned = try #require(try await store.call(requestId: poisonedID), "the attack's own record reached Postgres")
                #expect(poisoned.alias.map { !$0.contains("\u{0}") } ?? true)
                let changes = try await store.auditEntries(AdminAuditQuery(limit: 1000, action: "alias.put"))
                #expect(changes.map(\.target) == ["alias:fast"], "the alias change made after the attack reached Postgres: \(changes.map(\.target))")
            } catch {
                await store.close()
                throw error
            }
            await store.close()

            // The restart replays the spool (nothing left) and serves.
            let second = try await Self.start(url, spool: spool, master: master)
            do {
                let key = try await second.issueKey()
                let again = try await second.call("/v1/chat/completions", key: key.secret, json: #"{"model":"fast","messages":[{"role":"user","content":"again"}]}"#)
                #expect(again.status == 200, "\(again.text)")
            } catch {
                await second.stop()
                throw error
            }
            await second.stop()
        }
    }

    @Test(
        "a record Postgres refuses is quarantined, listed, counted and re-driven; the rest flows on and restarts work",
        .enabled(if: shouldRun, "SKIPPED: AAM_TEST_POSTGRES_URL is not set (run scripts/with-postgres)"))
    func refusedRecordIsQuarantined() async throws {
        try await withScratch { url, spool in
            let master = MasterKey.generateBase64()
            let first = try await Self.start(url, spool: spool, master: master)
            var poisoned = (id: "", secret: "")
            var poisonedCall = ""
            do {
                try await first.addSimulatedAliases(["fast"])
                poisoned = try await first.issueKey()
                let honestKey = try await first.issueKey()
                // Postgres refuses this key's records for their content (a data exception), as it
                // refused the NUL: the whole INSERT fails.
                try await Self.refuseInserts(named: "refuse_poison", into: "call_records", when: "NEW.key_id = '\(poisoned.id)'", message: "poisoned record", on: url)
                let bad = try await first.call("/v1/chat/completions", key: poisoned.secret, json: #"{"model":"fast","messages":[{"role":"user","content":"x"}]}"#)
                #expect(bad.status == 200)
                poisonedCall = try #require(bad.header("x-request-id"))
                var honest: [String] = []
                for _ in 0..<3 {
                    let reply = try await first.call("/v1/chat/completions", key: honestKey.secret, json: #"{"model":"fast","messages":[{"role":"user","content":"y"}]}"#)
                    #expect(reply.status == 200)
                    honest.append(try #require(reply.header("x-request-id")))
                }
                try await first.adminOK(.PUT, "/admin/aliases/fast", json: #"{"retries":1}"#)
                try await first.gateway.writer.drainNow()
                for id in honest {
                    let reply = try await first.admin(.GET, "/admin/calls/\(id)")
                    #expect(reply.status == 200, "honest call \(id) reached Postgres: \(reply.text)")
                }
                let listing = try await first.adminOK(.GET, "/admin/evidence/quarantine")
                let entries = try #require(listing["entries"] as? [[String: Any]])
                #expect(entries.count == 1)
                #expect(entries.first?["id"] as? String == poisonedCall)
                #expect(entries.first?["kind"] as? String == "call")
                #expect((entries.first?["reason"] as? String)?.contains("poisoned record") == true, "\(entries)")
                #expect(entries.first?["item"] == nil, "no record contents in the listing")
                let metrics = try await first.send(.GET, "/metrics")
                #expect(metrics.text.contains("aam_evidence_quarantined_total 1"), "\(metrics.text.suffix(2000))")
                #expect(metrics.text.contains("aam_evidence_quarantine_records 1"))
                #expect(first.gateway.writer.backlogRecords == 0)
            } catch {
                await first.stop()
                throw error
            }
            await first.stop()

            // The quarantine survives the restart, which does not refuse to start.
            let second = try await Self.start(url, spool: spool, master: master)
            do {
                let listing = try await second.adminOK(.GET, "/admin/evidence/quarantine")
                #expect(listing["count"] as? Int == 1)
                // The cause is fixed; re-driving writes the record.
                try await PostgresDatabaseAdmin.execute("DROP TRIGGER refuse_poison ON call_records", on: url, what: "drop the trigger")
                let redriven = try await second.adminOK(.POST, "/admin/evidence/quarantine/redrive", json: "{}")
                #expect((redriven["keys"] as? [String])?.count == 1)
                try await second.gateway.writer.drainNow()
                let record = try await second.admin(.GET, "/admin/calls/\(poisonedCall)")
                #expect(record.status == 200, "the re-driven record reached Postgres: \(record.text)")
                #expect(try await second.adminOK(.GET, "/admin/evidence/quarantine")["count"] as? Int == 0)
            } catch {
                await second.stop()
                throw error
            }
            await second.stop()
        }
    }
}
