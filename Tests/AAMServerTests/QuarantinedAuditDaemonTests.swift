import AAMCore
import AAMSecrets
import AAMStorePostgres
import Foundation
import Testing

@testable import AAMServer

/// The quarantined-audit-head finding end to end, on Postgres through the admin API: the last
/// audit entry is refused (a trigger raises a data exception for it), the daemon restarts, an
/// admin change is made, `GET /admin/audit/verify` names the gap as quarantined, and after the
/// re-drive the entry is in Postgres and the chain is whole.
@Suite(.serialized)
struct QuarantinedAuditDaemonTests {
    @Test(
        "a refused last audit entry keeps its sequence across a restart; verify calls it a known gap; the re-drive restores it",
        .enabled(if: EvidencePoisoningTests.shouldRun, "SKIPPED: AAM_TEST_POSTGRES_URL is not set (run scripts/with-postgres)"))
    func refusedLastAuditEntry() async throws {
        try await EvidencePoisoningTests().withScratch { url, spool in
            let master = MasterKey.generateBase64()
            let first = try await EvidencePoisoningTests.start(url, spool: spool, master: master)
            var refusedSequence: Int64 = 0
            do {
                try await PostgresDatabaseAdmin.execute(
                    """
                    CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                      IF NEW.target = 'org:refused-org' THEN RAISE EXCEPTION 'refused audit entry' USING ERRCODE = '22023'; END IF;
                      RETURN NEW;
                    END $$
                    """, on: url, what: "create the trigger function")
                try await PostgresDatabaseAdmin.execute(
                    "CREATE TRIGGER refuse_audit BEFORE INSERT ON admin_audit FOR EACH ROW EXECUTE FUNCTION refuse_audit()",
                    on: url, what: "create the trigger")
                try await first.adminOK(.POST, "/admin/orgs", json: #"{"id":"refused-org"}"#)
                try await first.gateway.writer.drainNow()
                let listing = try await first.adminOK(.GET, "/admin/evidence/quarantine")
                let entries = try #require(listing["entries"] as? [[String: Any]])
                #expect(entries.count == 1 && entries.first?["kind"] as? String == "audit", "\(entries)")
                let id = try #require(entries.first?["id"] as? String)
                refusedSequence = try #require(Int64(id))
            } catch {
                await first.stop()
                throw error
            }
            await first.stop()

            let second = try await EvidencePoisoningTests.start(url, spool: spool, master: master)
            do {
                try await second.adminOK(.POST, "/admin/orgs", json: #"{"id":"after-restart-org"}"#)
                try await second.gateway.writer.drainNow()
                let log = try #require(await second.gateway.runtime.registry.audit)
                #expect(try await log.currentHead().sequence == refusedSequence + 1, "the quarantined sequence was not handed out again")
                let verify = try await second.adminOK(.GET, "/admin/audit/verify")
                let audit = try #require(verify["audit"] as? [String: Any])
                #expect(verify["ok"] as? Bool == true, "\(verify)")
                #expect((audit["quarantined"] as? [Any])?.count == 1, "\(audit)")
                #expect((audit["summary"] as? String)?.contains("known gap: sequence \(refusedSequence) quarantined, see /admin/evidence/quarantine") == true, "\(audit)")

                try await PostgresDatabaseAdmin.execute("DROP TRIGGER refuse_audit ON admin_audit", on: url, what: "drop the trigger")
                try await second.adminOK(.POST, "/admin/evidence/quarantine/redrive", json: "{}")
                try await second.gateway.writer.drainNow()
                let stored = try await log.store.auditEntries(AdminAuditQuery(limit: 1000, target: "org:refused-org"))
                #expect(stored.map(\.sequence) == [refusedSequence], "the re-driven entry is in Postgres under its own sequence")
                let healed = try await second.adminOK(.GET, "/admin/audit/verify")
                let healedAudit = try #require(healed["audit"] as? [String: Any])
                #expect(healed["ok"] as? Bool == true && healedAudit["quarantined"] == nil, "\(healed)")
            } catch {
                await second.stop()
                throw error
            }
            await second.stop()
        }
    }
}
