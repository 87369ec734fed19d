import AAMCore
import Foundation
import PostgresNIO

extension PostgresStore {
    /// Records per INSERT: one statement carries three arrays, so this only bounds memory.
    static let recordsPerStatement = 5_000

    /// One multi-row INSERT per batch: the records travel as parallel arrays (one per query
    /// column plus the record's JSON) that `unnest` turns into rows. `ON CONFLICT DO NOTHING`
    /// makes a replay (spool, retry) a no-op and keeps the first of duplicates inside one batch;
    /// `ORDER BY ord` keeps `seq` in batch order. The JSON is the record; the columns only serve
    /// queries, where an absent optional (and an empty string) is NULL.
    public func append(_ records: [CallRecord]) async throws {
        guard !records.isEmpty else { return }
        let encoder = JSONEncoder()
        // Every text NUL-free (`StorableText`): Postgres refuses NUL in text (one such record
        // would fail the whole INSERT), and columns, document and chain must agree.
        let records = records.map(\.storable)
        for start in stride(from: 0, to: records.count, by: Self.recordsPerStatement) {
            let batch = records[start..<min(records.count, start + Self.recordsPerStatement)]
            let columns = try CallColumns(batch, encoder: encoder)
            try await run("append \(batch.count) call records") { [self, columns] in
                try await client.query(
                    """
                    INSERT INTO call_records (request_id, started_at, key_id, org_id, team_id, project_id, alias, provider, status, outcome, record,
                                              cost_nanos, prompt_tokens, completion_tokens)
                    SELECT t.request_id, t.started_at, NULLIF(t.key_id, ''), NULLIF(t.org_id, ''), NULLIF(t.team_id, ''),
                           NULLIF(t.project_id, ''), NULLIF(t.alias, ''), NULLIF(t.provider, ''), t.status::integer, t.outcome, t.record,
                           NULLIF(t.cost_nanos, '')::bigint, t.prompt_tokens, t.completion_tokens
                    FROM unnest(\(columns.requestIds)::text[], \(columns.started)::float8[], \(columns.keyIds)::text[], \(columns.orgIds)::text[],
                                \(columns.teamIds)::text[], \(columns.projectIds)::text[], \(columns.aliases)::text[], \(columns.providers)::text[],
                                \(columns.statuses)::int8[], \(columns.outcomes)::text[], \(columns.documents)::text[],
                                \(columns.costNanos)::text[], \(columns.promptTokens)::int8[], \(columns.completionTokens)::int8[])
                         WITH ORDINALITY AS t(request_id, started_at, key_id, org_id, team_id, project_id, alias, provider, status, outcome, record,
                                              cost_nanos, prompt_tokens, completion_tokens, ord)
                    ORDER BY t.ord
                    ON CONFLICT (request_id) DO NOTHING
                    """,
                    logger: logger)
            }
        }
        try await chainAppended(records)
    }

    /// A batch of call records as one array per inserted column.
    private struct CallColumns: Sendable {
        var requestIds: [String] = [], started: [Double] = [], keyIds: [String] = [], orgIds: [String] = []
        var teamIds: [String] = [], projectIds: [String] = [], aliases: [String] = [], providers: [String] = []
        var statuses: [Int] = [], outcomes: [String] = [], documents: [String] = []
        // Usage columns (`PostgresStore+Usage`): cost in nano-dollars as text ('' for none).
        var costNanos: [String] = [], promptTokens: [Int] = [], completionTokens: [Int] = []

        init(_ batch: ArraySlice<CallRecord>, encoder: JSONEncoder) throws {
            for record in batch {
                requestIds.append(record.requestId)
                started.append(record.startedAt.timeIntervalSince1970)
                keyIds.append(record.keyId ?? "")
                orgIds.append(record.orgId ?? "")
                teamIds.append(record.teamId ?? "")
                projectIds.append(record.projectId ?? "")
                aliases.append(record.alias ?? "")
                providers.append(record.provider ?? "")
                statuses.append(record.status)
                outcomes.append(record.outcome.rawValue)
                documents.append(String(decoding: try encoder.encode(record), as: UTF8.self))
                let usage = PostgresStore.usageColumns(record)
                costNanos.append(usage.costNanos)
                promptTokens.append(usage.promptTokens)
                completionTokens.append(usage.completionTokens)
            }
        }
    }

    public func recentCalls(limit: Int) async throws -> [CallRecord] {
        try await records("read recent calls", "SELECT record FROM call_records ORDER BY seq DESC LIMIT \(max(0, limit))")
    }

    public func callCount() async throws -> Int {
        try await run("count call records") { [self] in
            for try await count in try await client.query("SELECT count(*)::int8 FROM call_records", logger: logger).decode(Int.self) {
                return count
            }
            return 0
        }
    }

    public func call(requestId: String) async throws -> CallRecord? {
        try await records("read call \(requestId)", "SELECT record FROM call_records WHERE request_id = \(requestId)").first
    }

    public func calls(since date: Date) async throws -> [CallRecord] {
        try await records(
            "read calls since \(date)",
            "SELECT record FROM call_records WHERE started_at >= \(date.timeIntervalSince1970) ORDER BY started_at, seq")
    }

    /// Runs a query whose single column is a record's JSON text and decodes each row.
    private func records(_ what: String, _ query: PostgresQuery) async throws -> [CallRecord] {
        try await run(what) { [self] in
            let decoder = JSONDecoder()
            var result: [CallRecord] = []
            for try await document in try await client.query(query, logger: logger).decode(String.self) {
                result.append(try decoder.decode(CallRecord.self, from: Data(document.utf8)))
            }
            return result
        }
    }
}
