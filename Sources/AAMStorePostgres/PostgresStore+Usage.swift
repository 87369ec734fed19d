import AAMCore
import Foundation
import PostgresNIO

/// `GET /admin/usage` in one `GROUP BY`: every replica sharing the database gets the same
/// answer, and no replica loads the records.
///
/// Exact: each record's cost is kept as whole nano-dollars (`cost_nanos`, the nanos of
/// `Money(parsing: costUSD)`, NULL when the record has no valid cost), and Postgres sums
/// `bigint` into `numeric`, which neither rounds nor overflows; the total is then clamped to
/// `Money`'s range like `UsageTally`. The columns are derived from the record (filled on insert,
/// and by migration 4 for older rows); the evidence chain keeps digesting the record itself.
extension PostgresStore: UsageQueryStore {
    public func usage(groupBy dimension: UsageDimension, from: Date?, to: Date?) async throws -> [UsageRow] {
        // ±infinity are valid float8 bounds: an open side filters nothing.
        let lower = from?.timeIntervalSince1970 ?? -Double.infinity
        let upper = to?.timeIntervalSince1970 ?? Double.infinity
        let column = dimension.column  // from a closed enum, never from the request
        let query: PostgresQuery = """
            SELECT \(unescaped: column), count(*)::int8,
                   \(unescaped: Self.clampedSum("GREATEST(prompt_tokens, 0)")), \(unescaped: Self.clampedSum("GREATEST(completion_tokens, 0)")),
                   \(unescaped: Self.clampedSum("cost_nanos"))
            FROM call_records
            WHERE started_at >= \(lower) AND started_at < \(upper)
            GROUP BY \(unescaped: column)
            """
        let rows = try await run("sum usage by \(dimension.rawValue)") { [self] in
            var rows: [UsageRow] = []
            for try await (group, calls, prompt, completion, nanos) in try await client.query(query, logger: logger)
                .decode((String?, Int, Int64, Int64, Int64).self)
            {
                rows.append(
                    UsageRow(group: group, calls: calls, promptTokens: Int(prompt), completionTokens: Int(completion), spend: Money(nanos: nanos)))
            }
            return rows
        }
        // Sorted in Swift: the database's collation (its locale) is not Swift's string order.
        return UsageTally.sorted(rows)
    }

    /// `sum(expression)` (exact, `numeric`) clamped to `bigint`'s range, 0 for no values.
    private static func clampedSum(_ expression: String) -> String {
        "LEAST(GREATEST(COALESCE(sum(\(expression)), 0), -9223372036854775808), 9223372036854775807)::int8"
    }

    /// The usage columns of one record, as `append` inserts them.
    static func usageColumns(_ record: CallRecord) -> (costNanos: String, promptTokens: Int, completionTokens: Int) {
        (UsageTally.costNanos(record.costUSD).map(String.init) ?? "", record.promptTokens, record.completionTokens)
    }

    /// Migration 4's fill of the usage columns for rows written before them, from the stored
    /// JSON, with `Money(parsing:)`'s rules in SQL: a plain decimal (optional `-`, digits, at
    /// most one `.`, at least one digit), no non-zero digit past the ninth fraction digit, within
    /// `bigint`. Anything else is NULL (counts as zero), as `UsageTally` skips what it cannot
    /// parse; the CASE guards keep a bad value from failing the cast (and the migration).
    static let usageBackfill = #"""
        UPDATE call_records AS c
        SET cost_nanos = CASE WHEN d.usd_nanos = trunc(d.usd_nanos) AND abs(d.usd_nanos) <= 9223372036854775807
                              THEN d.usd_nanos::bigint END,
            prompt_tokens = d.prompt, completion_tokens = d.completion
        FROM (
          SELECT seq,
                 CASE WHEN j->>'costUSD' ~ '^-?([0-9]+(\.[0-9]*)?|\.[0-9]+)$' THEN (j->>'costUSD')::numeric * 1000000000 END AS usd_nanos,
                 CASE WHEN jsonb_typeof(j->'promptTokens') = 'number' AND j->>'promptTokens' ~ '^-?[0-9]+$'
                      THEN LEAST(GREATEST((j->>'promptTokens')::numeric, -9223372036854775808), 9223372036854775807)::bigint
                      ELSE 0 END AS prompt,
                 CASE WHEN jsonb_typeof(j->'completionTokens') = 'number' AND j->>'completionTokens' ~ '^-?[0-9]+$'
                      THEN LEAST(GREATEST((j->>'completionTokens')::numeric, -9223372036854775808), 9223372036854775807)::bigint
                      ELSE 0 END AS completion
          FROM (SELECT seq, record::jsonb AS j FROM call_records) AS r
        ) AS d
        WHERE c.seq = d.seq
        """#
}
