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
        let all = try await loadAll()
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        var state = ConfigState()
        func decode<T: Decodable>(_ type: T.Type, _ kind: EntityKind) throws -> [String: T] {
            try (all[kind] ?? [:]).mapValues { try decoder.decode(T.self, from: $0) }
        }
        state.providers = try decode(ProviderConfig.self, .provider)
        state.deployments = try decode(Deployment.self, .deployment)
        state.aliases = try decode(AliasSettings.self, .alias)
        state.keys = try decode(VirtualKey.self, .key)
        state.orgs = try decode(Organization.self, .org)
        state.teams = try decode(Team.self, .team)
        state.projects = try decode(Project.self, .project)
        state.guardrails = try decode(GuardrailPolicy.self, .guardrail)
        state.policies = try decode(StoredPolicy.self, .policy)
        state.workloads = try decode(WorkloadRegistration.self, .workload)
        state.mcpServers = try decode(MCPServerConfig.self, .mcpServer)
        return state
    }

    public func save<T: Encodable>(_ value: T, kind: EntityKind, id: String) async throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = .sortedKeys
        try await upsert(kind: kind, id: id, document: try encoder.encode(value))
    }
}
