import AAMCore
import AAMSecrets
import AAMStorePostgres
import Foundation
import Testing

@testable import AAMServer

/// A refused audit entry on Postgres, end to end through the admin API. On Postgres the daemon
/// is a replica of a cluster (even alone): the admin trail is one chain in the shared database,
/// appended straight into it under a cluster lock, not through the local spool (other
/// replicas could not see a spooled entry and would hand out its sequence again). So an entry
/// the database refuses (here a trigger raising a data exception) refuses the change itself:
/// 503, nothing applied, no sequence spent. After a restart the chain is whole, and once the
/// cause is gone the same change goes through. (On SQLite a refused entry is quarantined
/// instead: `QuarantinedAuditHeadTests`.)
@Suite(.serialized)
struct QuarantinedAuditDaemonTests {
    @Test(
        "a refused audit entry on Postgres refuses the change (503, not applied, no sequence spent); the chain stays whole across a restart",
        .enabled(if: EvidencePoisoningTests.shouldRun, "SKIPPED: AAM_TEST_POSTGRES_URL is not set (run scripts/with-postgres)"))
    func refusedAuditEntryRefusesTheChange() async throws {
        try await EvidencePoisoningTests().withScratch { url, spool in
            let master = MasterKey.generateBase64()
            let first = try await EvidencePoisoningTests.start(url, spool: spool, master: master)
            var headBefore: Int64 = 0
            do {
                try await EvidencePoisoningTests.refuseInserts(named: "refuse_audit", into: "admin_audit", when: "NEW.target = 'org:refused-org'", message: "refused audit entry", on: url)
                let log = try #require(await first.gateway.runtime.registry.audit)
                headBefore = try await log.currentHead().sequence
                let refused = try await first.admin(.POST, "/admin/orgs", json: #"{"id":"refused-org"}"#)
                #expect(refused.status == 503, "\(refused.text)")
                #expect(try refused.errorCode() == "audit_unavailable", "\(refused.text)")
                let orgs = try await first.admin(.GET, "/admin/orgs/refused-org")
                #expect(orgs.status == 404, "the refused change was not applied: \(orgs.text)")
                let listing = try await first.adminOK(.GET, "/admin/evidence/quarantine")
                #expect((listing["entries"] as? [Any])?.isEmpty == true, "nothing is set aside: \(listing)")
            } catch {
                await first.stop()
                throw error
            }
            await first.stop()

            let second = try await EvidencePoisoningTests.start(url, spool: spool, master: master)
            do {
                try await second.adminOK(.POST, "/admin/orgs", json: #"{"id":"after-restart-org"}"#)
                let log = try #require(await second.gateway.runtime.registry.audit)
                #expect(try await log.currentHead().sequence == headBefore + 1, "the refused entry spent no sequence")
                try await PostgresDatabaseAdmin.execute("DROP TRIGGER refuse_audit ON admin_audit", on: url, what: "drop the trigger")
                try await second.adminOK(.POST, "/admin/orgs", json: #"{"id":"refused-org"}"#)
                let stored = try await log.store.auditEntries(AdminAuditQuery(limit: 1000, target: "org:refused-org"))
                #expect(stored.map(\.sequence) == [headBefore + 2], "made again once the cause is gone: \(stored.map(\.sequence))")
                let verify = try await second.adminOK(.GET, "/admin/audit/verify")
                let audit = try #require(verify["audit"] as? [String: Any])
                #expect(verify["ok"] as? Bool == true && audit["quarantined"] == nil, "\(verify)")
            } catch {
                await second.stop()
                throw error
            }
            await second.stop()
        }
    }
}
