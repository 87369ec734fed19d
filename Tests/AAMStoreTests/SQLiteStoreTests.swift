import AAMCore
import AAMStoreSQLite
import Foundation
import Testing

@Suite("SQLiteStore")
struct SQLiteStoreTests {
    @Test("a new database is at the latest schema version (at least 3: the audit table)", arguments: [false, true])
    func schemaVersion(inMemory: Bool) async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = inMemory
            ? try await SQLiteStore.openInMemory()
            : try await SQLiteStore.open(path: directory.appendingPathComponent("aam.sqlite").path)
        #expect(SQLiteStore.latestSchemaVersion >= 3)
        #expect(try await store.schemaVersion() == SQLiteStore.latestSchemaVersion)
        try await store.close()
    }

    @Test("entities, secrets and calls survive closing and reopening the file; migrations do not re-run")
    func survivesReopen() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("aam.sqlite").path
        let state = fullState()
        let records = (0..<450).map { fullRecord($0) } + [minimalRecord("req_min")]

        let first = try await SQLiteStore.open(path: path)
        try await save(state, to: first)
        try await first.setServerSecret(named: "key-pepper", value: Data([1, 2, 3]))
        try await first.append(records)
        try await first.close()

        for _ in 0..<3 {
            // Re-running version 1 would fail on CREATE TABLE of existing tables.
            let reopened = try await SQLiteStore.open(path: path)
            #expect(try await reopened.schemaVersion() == SQLiteStore.latestSchemaVersion)
            #expect(try await reopened.loadState() == state)
            #expect(try await reopened.serverSecret(named: "key-pepper") == Data([1, 2, 3]))
            #expect(try await reopened.callCount() == records.count)
            #expect(try await reopened.recentCalls(limit: records.count) == Array(records.reversed()))
            #expect(try await reopened.call(requestId: "req_min") == minimalRecord("req_min"))
            try await reopened.close()
        }
    }

    @Test("appends after reopening continue the newest-first order and stay idempotent")
    func appendAfterReopen() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("aam.sqlite").path
        let first = try await SQLiteStore.open(path: path)
        try await first.append([fullRecord(1), fullRecord(2)])
        try await first.close()
        let second = try await SQLiteStore.open(path: path)
        try await second.append([fullRecord(2), fullRecord(3)])
        #expect(try await second.recentCalls(limit: 10).map(\.requestId) == ["req_3", "req_2", "req_1"])
        try await second.close()
    }

    @Test("two stores open on the same file at once see each other's writes")
    func twoConnections() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("aam.sqlite").path
        let writer = try await SQLiteStore.open(path: path)
        let reader = try await SQLiteStore.open(path: path)
        #expect(try await reader.schemaVersion() == SQLiteStore.latestSchemaVersion)
        try await writer.upsert(kind: .org, id: "acme", document: Data("{}".utf8))
        try await writer.append([fullRecord(1)])
        #expect(try await reader.loadAll()[.org]?["acme"] == Data("{}".utf8))
        #expect(try await reader.call(requestId: "req_1") == fullRecord(1))
        try await reader.close()
        try await writer.close()
    }

    @Test("open creates missing parent directories")
    func createsDirectories() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("a/b/c/aam.sqlite").path
        let store = try await SQLiteStore.open(path: path)
        try await store.setServerSecret(named: "n", value: Data([9]))
        try await store.close()
        #expect(FileManager.default.fileExists(atPath: path))
    }

    @Test("each in-memory database is private")
    func inMemoryIsolated() async throws {
        let a = try await SQLiteStore.openInMemory()
        let b = try await SQLiteStore.openInMemory()
        try await a.append([fullRecord(1)])
        #expect(try await b.callCount() == 0)
        try await a.close()
        try await b.close()
    }
}
