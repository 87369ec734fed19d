import AAMCore
import AAMStore
import AAMStorePostgres
import AAMStoreSQLite
import Foundation
import Testing

/// Every store backend the conformance suite runs against.
///
/// Postgres is included when `AAM_TEST_POSTGRES_URL` names a server (`scripts/with-postgres`
/// sets it) and always in CI (`CI` set), where a missing URL fails each Postgres case instead of
/// skipping it. Elsewhere without a URL, `PostgresAvailabilityTests` shows the skip.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case inMemory
    case sqliteInMemory
    case sqliteFile
    case postgres

    static var allCases: [Backend] {
        let base: [Backend] = [.inMemory, .sqliteInMemory, .sqliteFile]
        return PostgresTestServer.shouldRun ? base + [.postgres] : base
    }

    var testDescription: String { rawValue }
}

/// The Postgres server the tests use, from the environment.
enum PostgresTestServer {
    static var url: PostgresURL? {
        guard let text = ProcessInfo.processInfo.environment["AAM_TEST_POSTGRES_URL"], !text.isEmpty else { return nil }
        return try? PostgresURL(parsing: text)
    }

    static var isCI: Bool { !(ProcessInfo.processInfo.environment["CI"] ?? "").isEmpty }

    /// Postgres cases run when a server is named, and always in CI (where they then fail).
    static var shouldRun: Bool { url != nil || isCI }

    static let missingMessage: Comment = """
        AAM_TEST_POSTGRES_URL is not set (or not a postgres:// URL), and CI requires the Postgres store tests: \
        run them through scripts/test or scripts/with-postgres swift test
        """

    /// The server URL, or a recorded failure when it is missing (CI).
    static func requireURL() throws -> PostgresURL {
        guard let url else {
            Issue.record(missingMessage)
            throw PostgresTestServerMissing()
        }
        return url
    }

    /// Runs `body` against a store in a fresh database of its own, dropped afterwards.
    static func withScratchStore(_ body: (PostgresStore, PostgresURL) async throws -> Void) async throws {
        let server = try requireURL()
        let scratch = try await PostgresDatabaseAdmin.createScratchDatabase(on: server)
        do {
            var options = PostgresStore.Options()
            options.maximumConnections = 4
            let store = try await PostgresStore.open(url: scratch.unmaskedString, options: options)
            do { try await body(store, scratch) } catch {
                await store.close()
                throw error
            }
            await store.close()
        } catch {
            try? await PostgresDatabaseAdmin.dropDatabase(scratch, via: server)
            throw error
        }
        try await PostgresDatabaseAdmin.dropDatabase(scratch, via: server)
    }
}

struct PostgresTestServerMissing: Error {}

/// A freshly opened store: its config, call-record and audit ports (the same object for SQLite
/// and Postgres).
struct OpenedStore: Sendable {
    let config: any ConfigStore
    let calls: any CallRecordStore
    let audit: any AdminAuditStore
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
        try await body(OpenedStore(config: InMemoryConfigStore(), calls: InMemoryCallRecordStore(), audit: InMemoryAdminAuditStore()))
    case .sqliteInMemory:
        let store = try await SQLiteStore.openInMemory()
        do { try await body(OpenedStore(config: store, calls: store, audit: store)) } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
    case .sqliteFile:
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try await SQLiteStore.open(path: directory.appendingPathComponent("aam.sqlite").path)
        do { try await body(OpenedStore(config: store, calls: store, audit: store)) } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
    case .postgres:
        try await PostgresTestServer.withScratchStore { store, _ in
            try await body(OpenedStore(config: store, calls: store, audit: store))
        }
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
    var record = CallRecord(
        requestId: "req_\(index)",
        startedAt: startedAt ?? Date(timeIntervalSince1970: 1_800_000_000 + Double(index) + 0.25),
        keyId: "key_\(index)", keyPrefix: "sk-aam-AbCd\(index)", orgId: "acme", teamId: "platform", projectId: "proj-\(index)",
        endpoint: "/v1/chat/completions", alias: "fast", provider: "openai", deployment: "dep-\(index)",
        upstreamModel: "gpt-4o-mini", status: 200, outcome: .success, errorClass: "none",
        promptTokens: 10 + index, completionTokens: 20 + index, latencyMs: 123.5 + Double(index), ttftMs: 45.25,
        streamed: index % 2 == 0,
        attempts: [
            CallRecord.Attempt(deployment: "dep-a", provider: "azure", status: 503, errorClass: "upstream_5xx", latencyMs: 12.5),
            CallRecord.Attempt(
                deployment: "dep-\(index)", provider: "openai", status: 200, errorClass: nil, latencyMs: 111, promptTokens: 10 + index,
                completionTokens: 20 + index),
        ],
        guardrails: [GuardrailDecision(detector: "email", direction: .request, action: .redact, count: 1 + index % 3, location: "messages[0]")])
    record.costUSD = "0.000\(100 + index)"
    record.priceVersion = "prices-\(index % 2)"
    return record
}

/// A call record with every optional nil and defaults elsewhere.
func minimalRecord(_ id: String) -> CallRecord {
    CallRecord(requestId: id, startedAt: Date(timeIntervalSince1970: 1_700_000_000), endpoint: "/v1/messages", status: 401, outcome: .rejected)
}
