import AAMCore
import Foundation
import PostgresNIO

extension PostgresStore {
    /// Records per INSERT: one statement carries three arrays, so this only bounds memory.
    static let recordsPerStatement = 5_000

    /// One multi-row INSERT per batch: the records travel as three parallel arrays (JSON,
    /// start time, request id order) that `unnest` turns into rows; the query columns are
    /// taken from the JSON. `ON CONFLICT DO NOTHING` makes a replay (spool, retry) a no-op
    /// and keeps the first of duplicates inside one batch; `ORDER BY ord` keeps `seq` in batch order.
    public func append(_ records: [CallRecord]) async throws {
        guard !records.isEmpty else { return }
        let encoder = JSONEncoder()
        for start in stride(from: 0, to: records.count, by: Self.recordsPerStatement) {
            let batch = records[start..<min(records.count, start + Self.recordsPerStatement)]
            var documents: [String] = []
            var started: [Double] = []
            documents.reserveCapacity(batch.count)
            started.reserveCapacity(batch.count)
            for record in batch {
                documents.append(String(decoding: try encoder.encode(record), as: UTF8.self))
                started.append(record.startedAt.timeIntervalSince1970)
            }
            try await run("append \(batch.count) call records") { [self, documents, started] in
                try await client.query(
                    """
                    INSERT INTO call_records (request_id, started_at, key_id, org_id, team_id, project_id, alias, provider, status, outcome, record)
                    SELECT r->>'requestId', t.started, r->>'keyId', r->>'orgId', r->>'teamId', r->>'projectId', r->>'alias',
                           r->>'provider', (r->>'status')::integer, r->>'outcome', r
                    FROM unnest(\(documents)::text[], \(started)::float8[]) WITH ORDINALITY AS t(doc, started, ord)
                    CROSS JOIN LATERAL (SELECT t.doc::jsonb AS r) AS j
                    ORDER BY t.ord
                    ON CONFLICT (request_id) DO NOTHING
                    """,
                    logger: logger)
            }
        }
    }

    public func recentCalls(limit: Int) async throws -> [CallRecord] {
        try await records("read recent calls", "SELECT record::text FROM call_records ORDER BY seq DESC LIMIT \(max(0, limit))")
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
        try await records("read call \(requestId)", "SELECT record::text FROM call_records WHERE request_id = \(requestId)").first
    }

    public func calls(since date: Date) async throws -> [CallRecord] {
        try await records(
            "read calls since \(date)",
            "SELECT record::text FROM call_records WHERE started_at >= \(date.timeIntervalSince1970) ORDER BY started_at, seq")
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
