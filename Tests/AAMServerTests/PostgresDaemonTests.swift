import AAMCore
import AAMSecrets
import AAMServer
import AAMStorePostgres
import Foundation
import Testing

/// The gateway on `--database postgres://…`: configuration, keys, call records and the admin
/// audit trail survive a restart. Each test gets a database of its own on the server that
/// `scripts/with-postgres` started (`AAM_TEST_POSTGRES_URL`); in CI a missing server fails.
@Suite("Gateway on Postgres", .serialized)
struct PostgresDaemonTests {
    static var serverURL: PostgresURL? {
        guard let text = ProcessInfo.processInfo.environment["AAM_TEST_POSTGRES_URL"], !text.isEmpty else { return nil }
        return try? PostgresURL(parsing: text)
    }
    static var shouldRun: Bool { serverURL != nil || !(ProcessInfo.processInfo.environment["CI"] ?? "").isEmpty }

    /// Runs `body` with the URL of a fresh database, dropped afterwards.
    func withScratchDatabase(_ body: (PostgresURL) async throws -> Void) async throws {
        guard let server = Self.serverURL else {
            Issue.record("AAM_TEST_POSTGRES_URL is not set, and CI requires the Postgres tests: run them through scripts/test (scripts/with-postgres)")
            return
        }
        let scratch = try await PostgresDatabaseAdmin.createScratchDatabase(on: server, prefix: "aam_gw")
        do { try await body(scratch) } catch {
            try? await PostgresDatabaseAdmin.dropDatabase(scratch, via: server)
            throw error
        }
        try await PostgresDatabaseAdmin.dropDatabase(scratch, via: server)
    }

    @Test(
        "config, keys, call records and the audit trail survive a restart on Postgres",
        .enabled(if: shouldRun, "SKIPPED: AAM_TEST_POSTGRES_URL is not set (run scripts/with-postgres swift test)"))
    func survivesRestart() async throws {
        try await withScratchDatabase { url in
            let master = MasterKey.generateBase64()
            var kept = (id: "", secret: "")
            var revoked = (id: "", secret: "")
            var requestID = ""
            let first = try await GatewayHarness.start(database: url.unmaskedString, masterKey: master)
            do {
                try await first.addSimulatedAliases(["fast"])
                kept = try await first.issueKey(org: "acme")
                revoked = try await first.issueKey(org: "acme")
                let reply = try await first.call("/v1/chat/completions", key: kept.secret, json: #"{"model":"fast","messages":[{"role":"user","content":"hi"}]}"#)
                #expect(reply.status == 200, "\(reply.text)")
                requestID = try #require(reply.header("x-request-id"))
                try await first.adminOK(.POST, "/admin/keys/\(revoked.id)/revoke")
                try await first.adminOK(.PUT, "/admin/aliases/fast", json: #"{"retries":2}"#)
            } catch {
                await first.stop()
                throw error
            }
            await first.stop()

            // What the first daemon wrote, read straight from the database.
            let store = try await PostgresStore.open(url: url.unmaskedString)
            do {
                let record = try #require(try await store.call(requestId: requestID), "the call record reached Postgres")
                #expect(record.alias == "fast")
                #expect(record.provider == "sim")
                #expect(record.keyId == kept.id)
                #expect(record.outcome == .success)
                let state = try await store.loadState()
                #expect(state.aliases["fast"]?.retries == 2)
                #expect(state.keys[revoked.id]?.revokedAt != nil)
                let revocations = try await store.auditEntries(AdminAuditQuery(action: "key.revoke"))
                #expect(revocations.map(\.target) == ["key:\(revoked.id)"])
            } catch {
                await store.close()
                throw error
            }
            await store.close()

            let second = try await GatewayHarness.start(database: url.unmaskedString, masterKey: master)
            do {
                let again = try await second.call("/v1/chat/completions", key: kept.secret, json: #"{"model":"fast","messages":[{"role":"user","content":"again"}]}"#)
                #expect(again.status == 200, "the key, provider and deployment survived: \(again.text)")
                let refused = try await second.call("/v1/chat/completions", key: revoked.secret, json: #"{"model":"fast","messages":[{"role":"user","content":"x"}]}"#)
                #expect(refused.status == 401, "the revocation survived")
                let call = try await second.admin(.GET, "/admin/calls/\(requestID)")
                #expect(call.status == 200, "\(call.text)")
                #expect(try call.json()["outcome"] as? String == "success")
                let alias = try await second.adminOK(.GET, "/admin/aliases/fast")
                #expect(alias["retries"] as? Int == 2, "\(alias)")
            } catch {
                await second.stop()
                throw error
            }
            await second.stop()
        }
    }

    @Test("an unreachable Postgres stops the start with the URL (password masked) and the reason")
    func unreachable() async throws {
        await #expect {
            _ = try await GatewayHarness.start(database: "postgres://aam:hunter2@127.0.0.1:1/aam")
        } throws: { error in
            let message = (error as? StartupError)?.message ?? "\(error)"
            return message.contains("postgres://aam:***@127.0.0.1:1/aam") && message.lowercased().contains("refused")
                && !message.contains("hunter2")
        }
    }
}
