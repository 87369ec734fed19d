import AAMCore
import Foundation
import NIOCore
import SQLiteNIO

/// The embedded default store (`--database sqlite:PATH`): configuration entities, server
/// secrets, call records and the admin audit trail in one SQLite file (WAL mode).
///
/// An actor, because SQLite allows one writer and SQLiteNIO's connection runs statements on a
/// thread pool: serializing here keeps multi-statement operations from interleaving.
public actor SQLiteStore: ConfigStore, CallRecordStore, AdminAuditStore {
    private let connection: SQLiteConnection
    /// Keys the call-record chain once attached (`SQLiteStore+EvidenceChain`).
    var chainAuthenticator: (any EvidenceAuthenticator)?
    let chainGate = ChainWriteGate()

    private init(connection: SQLiteConnection) { self.connection = connection }

    /// Opens (creating if needed) the database at `path` and applies pending migrations.
    public static func open(path: String) async throws -> SQLiteStore {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let connection = try await SQLiteConnection.open(storage: .file(path: path))
        let store = SQLiteStore(connection: connection)
        try await store.prepare()
        return store
    }

    /// An in-memory SQLite database (tests).
    public static func openInMemory() async throws -> SQLiteStore {
        let store = SQLiteStore(connection: try await SQLiteConnection.open(storage: .memory))
        try await store.prepare()
        return store
    }

    public func close() async throws { try await connection.close() }

    /// One statement on the store's connection (for extensions in other files).
    func query(_ sql: String, _ binds: [SQLiteData]) async throws -> [SQLiteRow] {
        try await connection.query(sql, binds)
    }

    private func prepare() async throws {
        _ = try await connection.query("PRAGMA journal_mode=WAL")
        _ = try await connection.query("PRAGMA synchronous=NORMAL")
        _ = try await connection.query("PRAGMA busy_timeout=5000")
        _ = try await connection.query("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at REAL NOT NULL)")
        let applied = Set(try await connection.query("SELECT version FROM schema_migrations").compactMap { $0.column("version")?.integer })
        for migration in SQLiteMigrations.all where !applied.contains(migration.version) {
            _ = try await connection.query("BEGIN IMMEDIATE")
            do {
                for statement in migration.statements { _ = try await connection.query(statement) }
                try await migration.backfill?(connection)
                _ = try await connection.query(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                    [.integer(migration.version), .float(Date().timeIntervalSince1970)])
                _ = try await connection.query("COMMIT")
            } catch {
                _ = try? await connection.query("ROLLBACK")
                throw error
            }
        }
    }

    /// The version a freshly opened database reaches (the highest migration).
    public static var latestSchemaVersion: Int { SQLiteMigrations.all.map(\.version).max() ?? 0 }

    /// The applied schema version (highest migration).
    public func schemaVersion() async throws -> Int {
        try await connection.query("SELECT MAX(version) AS v FROM schema_migrations").first?.column("v")?.integer ?? 0
    }

    // MARK: ConfigStore

    public func loadAll() async throws -> [EntityKind: [String: Data]] {
        var result: [EntityKind: [String: Data]] = [:]
        for row in try await connection.query("SELECT kind, id, document FROM entities") {
            guard let kindName = row.column("kind")?.string, let kind = EntityKind(rawValue: kindName),
                let id = row.column("id")?.string, let blob = row.column("document")?.blob
            else { continue }
            result[kind, default: [:]][id] = Data(blob.readableBytesView)
        }
        return result
    }

    public func upsert(kind: EntityKind, id: String, document: Data) async throws {
        _ = try await connection.query(
            """
            INSERT INTO entities (kind, id, document, updated_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (kind, id) DO UPDATE SET document = excluded.document, updated_at = excluded.updated_at
            """,
            [.text(kind.rawValue), .text(id), .blob(ByteBuffer(bytes: document)), .float(Date().timeIntervalSince1970)])
    }

    public func delete(kind: EntityKind, id: String) async throws {
        _ = try await connection.query("DELETE FROM entities WHERE kind = ? AND id = ?", [.text(kind.rawValue), .text(id)])
    }

    public func serverSecret(named name: String) async throws -> Data? {
        guard let blob = try await connection.query("SELECT value FROM server_secrets WHERE name = ?", [.text(name)])
            .first?.column("value")?.blob
        else { return nil }
        return Data(blob.readableBytesView)
    }

    public func setServerSecret(named name: String, value: Data) async throws {
        _ = try await connection.query(
            "INSERT INTO server_secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            [.text(name), .blob(ByteBuffer(bytes: value))])
    }

    // MARK: CallRecordStore

    /// Rows per INSERT statement: 24 columns x 400 rows stays under SQLite's variable limit.
    static let rowsPerStatement = 400

    public func append(_ records: [CallRecord]) async throws {
        guard !records.isEmpty else { return }
        // NUL-free like Postgres (`StorableText`), so both stores keep the same text.
        let records = records.map(\.storable)
        for start in stride(from: 0, to: records.count, by: Self.rowsPerStatement) {
            let batch = records[start..<min(records.count, start + Self.rowsPerStatement)]
            let placeholders = Array(repeating: "(" + Array(repeating: "?", count: CallRecordColumns.insertedCount).joined(separator: ",") + ")", count: batch.count)
            var binds: [SQLiteData] = []
            binds.reserveCapacity(batch.count * CallRecordColumns.insertedCount)
            for record in batch { binds.append(contentsOf: CallRecordColumns.insertedBinds(record)) }
            _ = try await connection.query(
                "INSERT OR IGNORE INTO call_records (\(CallRecordColumns.insertedNames)) VALUES " + placeholders.joined(separator: ","),
                binds)
        }
        try await chainAppended(records)
    }

    public func recentCalls(limit: Int) async throws -> [CallRecord] {
        try await connection.query(
            "SELECT \(CallRecordColumns.names) FROM call_records ORDER BY seq DESC LIMIT ?", [.integer(max(0, limit))]
        ).compactMap(CallRecordColumns.record)
    }

    public func callCount() async throws -> Int {
        try await connection.query("SELECT COUNT(*) AS n FROM call_records").first?.column("n")?.integer ?? 0
    }

    public func call(requestId: String) async throws -> CallRecord? {
        try await connection.query(
            "SELECT \(CallRecordColumns.names) FROM call_records WHERE request_id = ?", [.text(requestId)]
        ).first.flatMap(CallRecordColumns.record)
    }

    public func calls(since date: Date) async throws -> [CallRecord] {
        try await connection.query(
            "SELECT \(CallRecordColumns.names) FROM call_records WHERE started_at >= ? ORDER BY started_at, seq",
            [.float(date.timeIntervalSince1970)]
        ).compactMap(CallRecordColumns.record)
    }
}
