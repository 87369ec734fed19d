import Foundation

/// Persistence of configuration entities. Implementations: in-memory (`AAMStore`), SQLite
/// (`AAMStoreSQLite`), later Postgres. All pass one conformance suite.
///
/// Entities are stored whole as JSON documents keyed by (kind, id): the configuration is small
/// and read once at start, and this keeps every backend's schema trivial to migrate.
public protocol ConfigStore: Sendable {
    func loadAll() async throws -> [EntityKind: [String: Data]]
    func upsert(kind: EntityKind, id: String, document: Data) async throws
    func delete(kind: EntityKind, id: String) async throws
    /// Server-side secrets that must survive restarts (the sealed key pepper).
    func serverSecret(named name: String) async throws -> Data?
    func setServerSecret(named name: String, value: Data) async throws
}

/// Durable call records (evidence). Appends are batched by the audit writer.
public protocol CallRecordStore: Sendable {
    /// Idempotent by `requestId`: re-appending a record that exists is a no-op.
    func append(_ records: [CallRecord]) async throws
    func recentCalls(limit: Int) async throws -> [CallRecord]
    func callCount() async throws -> Int
    func call(requestId: String) async throws -> CallRecord?
    /// Every call started at or after `date`, oldest first (spend replay after a restart, usage reports).
    func calls(since date: Date) async throws -> [CallRecord]
}

/// The admin audit trail. Entries arrive already chained (see `AdminAuditEntry`); the store
/// keeps them exactly as given so that `aam audit verify` can recompute the chain.
public protocol AdminAuditStore: Sendable {
    /// Idempotent by `sequence`: re-appending an entry that exists is a no-op (spool replay).
    func appendAudit(_ entries: [AdminAuditEntry]) async throws
    /// The entry with the highest sequence, if any.
    func lastAudit() async throws -> AdminAuditEntry?
    /// Entries matching the query, oldest first, at most `query.limit`.
    func auditEntries(_ query: AdminAuditQuery) async throws -> [AdminAuditEntry]
}

extension ConfigStore {
    /// Decodes every stored entity into a `ConfigState`.
    public func loadState() async throws -> ConfigState {
        var state = ConfigState()
        for (kind, documents) in try await loadAll() {
            for (id, document) in documents { try state.setEntity(kind, id: id, document: document) }
        }
        return state
    }

    public func save<T: Encodable>(_ value: T, kind: EntityKind, id: String) async throws {
        try await upsert(kind: kind, id: id, document: try ConfigState.entityEncoder().encode(value))
    }
}
