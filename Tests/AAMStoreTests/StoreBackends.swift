import AAMCore
import AAMStore
import AAMStoreSQLite
import Foundation
import Testing

/// Every store backend the conformance suite runs against.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case inMemory
    case sqliteInMemory
    case sqliteFile

    var testDescription: String { rawValue }
}

/// A freshly opened store: its config and call-record ports (the same object for SQLite).
struct OpenedStore: Sendable {
    let config: any ConfigStore
    let calls: any CallRecordStore
}

/// A unique, empty temporary directory, removed by the caller.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("aam-store-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Opens a fresh store of `backend`, runs `body`, then closes it and removes any files, even
/// when `body` throws.
func withStore(_ backend: Backend, _ body: (OpenedStore) async throws -> Void) async throws {
    switch backend {
    case .inMemory:
        try await body(OpenedStore(config: InMemoryConfigStore(), calls: InMemoryCallRecordStore()))
    case .sqliteInMemory:
        let store = try await SQLiteStore.openInMemory()
        do { try await body(OpenedStore(config: store, calls: store)) } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
    case .sqliteFile:
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try await SQLiteStore.open(path: directory.appendingPathComponent("aam.sqlite").path)
        do { try await body(OpenedStore(config: store, calls: store)) } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
    }
}

/// `loadAll()` flattened so backends that keep an empty kind bucket compare equal to those that
/// do not.
func flattened(_ all: [EntityKind: [String: Data]]) -> [String: Data] {
    var result: [String: Data] = [:]
    for (kind, documents) in all {
        for (id, document) in documents { result["\(kind.rawValue)/\(id)"] = document }
    }
    return result
}

/// A call record with every field set, distinct per `index`.
func fullRecord(_ index: Int, startedAt: Date? = nil) -> CallRecord {
    CallRecord(
        requestId: "req_\(index)",
        startedAt: startedAt ?? Date(timeIntervalSince1970: 1_800_000_000 + Double(index) + 0.25),
        keyId: "key_\(index)", keyPrefix: "sk-aam-AbCd\(index)", orgId: "acme", teamId: "platform", projectId: "proj-\(index)",
        endpoint: "/v1/chat/completions", alias: "fast", provider: "openai", deployment: "dep-\(index)",
        upstreamModel: "gpt-4o-mini", status: 200, outcome: .success, errorClass: "none",
        promptTokens: 10 + index, completionTokens: 20 + index, latencyMs: 123.5 + Double(index), ttftMs: 45.25,
        streamed: index % 2 == 0,
        attempts: [
            CallRecord.Attempt(deployment: "dep-a", provider: "azure", status: 503, errorClass: "upstream_5xx", latencyMs: 12.5),
            CallRecord.Attempt(deployment: "dep-\(index)", provider: "openai", status: 200, errorClass: nil, latencyMs: 111),
        ])
}

/// A call record with every optional nil and defaults elsewhere.
func minimalRecord(_ id: String) -> CallRecord {
    CallRecord(requestId: id, startedAt: Date(timeIntervalSince1970: 1_700_000_000), endpoint: "/v1/messages", status: 401, outcome: .rejected)
}
