import AAMCore
import AAMSecrets
import AAMStorePostgres
import Foundation
import Testing

@testable import AAMServer

/// The usage columns (`cost_nanos`, and the token counts in Postgres) are filled by their
/// migration for records written before it, with `Money`'s own parsing rules, and the
/// backfill leaves the call-record evidence chain verifying.
///
/// A database from before the migration is made from a current one: the columns dropped and
/// the migration's version forgotten, so reopening runs it again over chained records.
enum UsageBackfillFixture {
    static let records: [CallRecord] = {
        let costs: [String?] = [
            "0.10", "0.000000001", "0.000000001", "5.", ".5", "-0.5", "2.500000000000", "1.0000000001", "abc", "", "99999999999",
            "9223372036.854775807", nil, "1e3", "12.345678901",
        ]
        return costs.enumerated().map { index, cost in
            var record = CallRecord(
                requestId: "req_backfill_\(index)", startedAt: Date(timeIntervalSince1970: 1_800_000_000 + Double(index)),
                keyId: "key-\(index % 3)", orgId: index % 4 == 0 ? nil : "org-\(index % 2)", endpoint: "/v1/chat/completions",
                alias: "fast", provider: "sim", status: 200, outcome: .success, promptTokens: index * 7 - 20, completionTokens: index)
            record.costUSD = cost
            return record
        }
    }()

    /// Writes `records` in two chained batches through the production store.
    static func populate(_ url: String, master: MasterKey) async throws {
        let stores = try await StoreFactory.open(url)
        do {
            let keys = try await EvidenceChainKeyring.bootstrap(store: stores.config, sealer: CredentialSealer(master: master))
            let chain = try #require(stores.chain)
            await chain.attachChain(keys)
            try await stores.calls.append(Array(records.prefix(6)))
            try await stores.calls.append(Array(records.dropFirst(6)))
        } catch {
            await stores.close()
            throw error
        }
        await stores.close()
    }

    /// Reopens `url` (migrating it) and checks usage against the reference tally.
    static func expectUsageMatchesTally(_ url: String) async throws {
        let stores = try await StoreFactory.open(url)
        do {
            let usage = try #require(stores.calls as? any UsageQueryStore)
            for dimension in [UsageDimension.org, .key, .alias] {
                #expect(try await usage.usage(groupBy: dimension, from: nil, to: nil) == UsageTally.rows(records, by: dimension, from: nil, to: nil))
            }
            let total = try await usage.usage(groupBy: .alias, from: nil, to: nil)
            // 0.10 + 2e-9 + 5 + 0.5 - 0.5 + 2.5 + 9223372036.854775807 + 12.345678901, clamped at Money.max.
            #expect(total.map(\.spend) == [Money.max])
            let withoutMax = try await usage.usage(groupBy: .alias, from: nil, to: Date(timeIntervalSince1970: 1_800_000_011))
            #expect(withoutMax.map(\.spend.description) == ["7.600000002"])
        } catch {
            await stores.close()
            throw error
        }
        await stores.close()
    }

    static func verify(_ url: String, master: MasterKey) async throws -> EvidenceReport {
        try await AuditTrailReader.verify(database: url, masterKey: master)
    }
}

@Suite("Usage columns backfill")
struct UsageBackfillTests {
    let master = try! MasterKey(base64: MasterKey.generateBase64())

    @Test("SQLite: migration 7 fills cost_nanos from cost_usd; the call chain still verifies")
    func sqlite() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aam-usage-backfill-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("aam.sqlite").path
        let url = "sqlite:\(path)"
        try await UsageBackfillFixture.populate(url, master: master)
        let clean = try await UsageBackfillFixture.verify(url, master: master)
        #expect(clean.ok, "\(clean.lines)")
        try EvidenceTamperSQLiteTests.sqlite(path, "ALTER TABLE call_records DROP COLUMN cost_nanos; DELETE FROM schema_migrations WHERE version = 7")
        try await UsageBackfillFixture.expectUsageMatchesTally(url)
        let after = try await UsageBackfillFixture.verify(url, master: master)
        #expect(after.ok, "\(after.lines)")
        #expect(after.calls?.records == Int64(UsageBackfillFixture.records.count))
        #expect(after.calls?.head == clean.calls?.head)
    }

    @Test(
        "Postgres: migration 4 fills cost_nanos and the token columns from the record JSON; the call chain still verifies",
        .enabled(if: AuditTamperPostgresTests.shouldRun, "SKIPPED: AAM_TEST_POSTGRES_URL is not set (run scripts/with-postgres)"))
    func postgres() async throws {
        let server = try #require(AuditTamperPostgresTests.serverURL, "AAM_TEST_POSTGRES_URL is not set, and CI requires the Postgres tests")
        let scratch = try await PostgresDatabaseAdmin.createScratchDatabase(on: server, prefix: "aam_usage")
        do {
            let url = scratch.unmaskedString
            try await UsageBackfillFixture.populate(url, master: master)
            let clean = try await UsageBackfillFixture.verify(url, master: master)
            #expect(clean.ok, "\(clean.lines)")
            for sql in [
                "ALTER TABLE call_records DROP COLUMN cost_nanos, DROP COLUMN prompt_tokens, DROP COLUMN completion_tokens",
                "DELETE FROM schema_migrations WHERE version = 4",
            ] {
                try await PostgresDatabaseAdmin.execute(sql, on: scratch, what: "undo the usage migration")
            }
            try await UsageBackfillFixture.expectUsageMatchesTally(url)
            let after = try await UsageBackfillFixture.verify(url, master: master)
            #expect(after.ok, "\(after.lines)")
            #expect(after.calls?.records == Int64(UsageBackfillFixture.records.count))
            #expect(after.calls?.head == clean.calls?.head)
        } catch {
            try? await PostgresDatabaseAdmin.dropDatabase(scratch, via: server)
            throw error
        }
        try await PostgresDatabaseAdmin.dropDatabase(scratch, via: server)
    }
}
