import AAMCore
import AAMSecrets
import AAMStorePostgres
import Foundation
import Testing

@testable import AAMServer

/// A real SQLite store filled through the gateway, then edited behind its back with SQL:
/// `aam audit verify` must name the first modified, missing or inserted row.
@Suite("Admin audit: tamper evidence on a real SQLite store", .serialized)
struct AuditTamperTests {
    /// The master key every daemon and verifier of this suite uses (the chain key derives from it).
    static let masterKeyText = MasterKey.generateBase64()
    static var masterKey: MasterKey { get throws { try MasterKey(base64: masterKeyText) } }

    static func report(_ path: String) async throws -> EvidenceReport {
        try await AuditTrailReader.verify(database: "sqlite:\(path)", masterKey: try masterKey)
    }
    /// Fills a fresh SQLite database with audited changes; returns its path and entry count.
    static func populatedDatabase(in directory: URL) async throws -> (path: String, count: Int) {
        let path = directory.appendingPathComponent("aam.db").path
        let harness = try await GatewayHarness.start(database: "sqlite:\(path)", masterKey: masterKeyText)
        do {
            for index in 1...3 { try await harness.adminOK(.POST, "/admin/orgs", json: #"{"id":"org\#(index)"}"#) }
            let key = try await harness.issueKey(org: "org1")
            try await harness.adminOK(.POST, "/admin/keys/\(key.id)/rotate")
            try await harness.adminOK(.PATCH, "/admin/orgs/org2", json: #"{"rpm":60}"#)
        } catch {
            await harness.stop()
            throw error
        }
        // Read after the stop: with a spool, entries reach the database when it drains.
        await harness.stop()
        let count = try await report(path).audit.links
        return (path, count)
    }

    /// A copy of the database with `sql` applied by the sqlite3 shell (the tamperer's tool).
    static func tampered(_ source: String, _ sql: String, in directory: URL, name: String) throws -> String {
        let copy = directory.appendingPathComponent("\(name).db").path
        try FileManager.default.copyItem(atPath: source, toPath: copy)
        for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: source + suffix) {
            try FileManager.default.copyItem(atPath: source + suffix, toPath: copy + suffix)
        }
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        shell.arguments = [copy, sql]
        let errors = Pipe()
        shell.standardError = errors
        try shell.run()
        shell.waitUntilExit()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        guard shell.terminationStatus == 0 else { throw HarnessError("sqlite3 failed: \(message)") }
        return copy
    }

    static func verdict(_ path: String) async throws -> String {
        "audit chain " + (try await report(path)).audit.summary
    }

    @Test("an untouched trail verifies; an edited, a deleted and a forged row are each named")
    func tamperings() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aam-audit-tamper-\(Identifiers.random(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (path, count) = try await Self.populatedDatabase(in: directory)
        #expect(count == 6)
        let intact = try await Self.report(path).audit
        #expect(intact.summary == "OK: \(count) entries, last sequence \(count), head hash \(intact.head)")

        let edited = try Self.tampered(path, "UPDATE admin_audit SET action = 'org.delete' WHERE sequence = 3", in: directory, name: "edited")
        #expect(try await Self.verdict(edited) == "audit chain BROKEN at sequence 3: modified (its content does not match its hash)")

        let redated = try Self.tampered(path, "UPDATE admin_audit SET actor = 'admin:00000000' WHERE sequence = 5", in: directory, name: "actor")
        #expect(try await Self.verdict(redated) == "audit chain BROKEN at sequence 5: modified (its content does not match its hash)")

        let deleted = try Self.tampered(path, "DELETE FROM admin_audit WHERE sequence = 4", in: directory, name: "deleted")
        #expect(try await Self.verdict(deleted) == "audit chain BROKEN at sequence 4: missing (sequence 4 is absent; the next row present is sequence 5)")

        let forged = try Self.tampered(
            path,
            """
            CREATE TEMP TABLE forged AS SELECT * FROM admin_audit WHERE sequence = \(count);
            UPDATE forged SET sequence = \(count + 1), target = 'key:forged', previous_hash = '\(String(repeating: "a", count: 64))',
                hash = '\(String(repeating: "b", count: 64))';
            INSERT INTO admin_audit SELECT * FROM forged;
            """,
            in: directory, name: "forged")
        #expect(try await Self.verdict(forged) == "audit chain BROKEN at sequence \(count + 1): inserted (its previousHash does not match the hash of sequence \(count) and its hash does not match its content)")
    }

    @Test("aam audit verify: exit 0 with the head on an intact trail, exit 1 naming the row on a tampered one")
    func cli() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aam-audit-cli-\(Identifiers.random(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (path, count) = try await Self.populatedDatabase(in: directory)
        let head = try await Self.report(path).audit.head
        let key = ["AAM_MASTER_KEY": Self.masterKeyText]

        let good = try await runAAM(["audit", "verify", "--database", "sqlite:\(path)"], environment: key)
        #expect(good.status == 0)
        #expect(good.line == "audit chain OK: \(count) entries, last sequence \(count), head hash \(head)")

        let deleted = try Self.tampered(path, "DELETE FROM admin_audit WHERE sequence IN (2, 3)", in: directory, name: "deleted")
        let bad = try await runAAM(["audit", "verify", "--database", "sqlite:\(deleted)"], environment: key)
        #expect(bad.status == 1)
        #expect(bad.line == "audit chain BROKEN at sequence 2: missing (sequences 2-3 are absent; the next row present is sequence 4)")

        let unreadable = try await runAAM(["audit", "verify", "--database", "memory"], environment: key, marker: "aam audit verify:")
        #expect(unreadable.status == 2)
        #expect(unreadable.line?.contains("no audit trail to verify") == true)
    }
}

/// The same on Postgres, through the real `aam` binary with a `postgres://` URL.
@Suite("Admin audit: tamper evidence on Postgres", .serialized)
struct AuditTamperPostgresTests {
    static var serverURL: PostgresURL? {
        guard let text = ProcessInfo.processInfo.environment["AAM_TEST_POSTGRES_URL"], !text.isEmpty else { return nil }
        return try? PostgresURL(parsing: text)
    }
    static var shouldRun: Bool { serverURL != nil || !(ProcessInfo.processInfo.environment["CI"] ?? "").isEmpty }

    @Test(
        "aam audit verify on postgres:// names an edited and a deleted row",
        .enabled(if: shouldRun, "SKIPPED: AAM_TEST_POSTGRES_URL is not set (run scripts/with-postgres swift test)"))
    func postgres() async throws {
        let server = try #require(Self.serverURL, "AAM_TEST_POSTGRES_URL is not set, and CI requires the Postgres tests")
        let url = try await PostgresDatabaseAdmin.createScratchDatabase(on: server, prefix: "aam_audit")
        // A spool of its own: the default (./aam-data/spool) is shared with other Postgres tests.
        let spool = FileManager.default.temporaryDirectory.appendingPathComponent("aam-audit-spool-\(Identifiers.random(8))")
        defer { try? FileManager.default.removeItem(at: spool) }
        do {
            let harness = try await GatewayHarness.start(database: url.unmaskedString, masterKey: AuditTamperTests.masterKeyText) {
                $0.evidence.spoolDirectory = spool.path
            }
            do {
                for index in 1...4 { try await harness.adminOK(.POST, "/admin/orgs", json: #"{"id":"org\#(index)"}"#) }
            } catch {
                await harness.stop()
                throw error
            }
            await harness.stop()
            func verify() async throws -> (status: Int32, output: String) {
                let run = try await runAAM(["audit", "verify", "--database", url.unmaskedString], environment: ["AAM_MASTER_KEY": AuditTamperTests.masterKeyText])
                return (run.status, run.line ?? "")
            }
            let intact = try await verify()
            #expect(intact.status == 0)
            #expect(intact.output.hasPrefix("audit chain OK: 4 entries, last sequence 4, head hash "), "\(intact.output)")

            try await PostgresDatabaseAdmin.execute("UPDATE admin_audit SET target = 'org:other' WHERE sequence = 2", on: url, what: "tamper")
            let edited = try await verify()
            #expect(edited.status == 1)
            #expect(edited.output == "audit chain BROKEN at sequence 2: modified (its content does not match its hash)")

            try await PostgresDatabaseAdmin.execute("DELETE FROM admin_audit WHERE sequence <= 2", on: url, what: "tamper")
            let deleted = try await verify()
            #expect(deleted.status == 1)
            #expect(deleted.output == "audit chain BROKEN at sequence 1: missing (sequences 1-2 are absent; the next row present is sequence 3)")
        } catch {
            try? await PostgresDatabaseAdmin.dropDatabase(url, via: server)
            throw error
        }
        try await PostgresDatabaseAdmin.dropDatabase(url, via: server)
    }
}

/// Runs the real `aam` and returns its exit status and the first output line containing
/// `marker` (awaited as it arrives, so no output is lost to the race between exit and pipe).
func runAAM(_ arguments: [String], environment: [String: String] = [:], marker: String = "audit chain") async throws -> (status: Int32, line: String?) {
    let run = try ProcessRunner("aam", arguments: arguments, environment: environment)
    let line = await run.firstLine(containing: marker)
    return (await run.waitForExit(), line)
}
