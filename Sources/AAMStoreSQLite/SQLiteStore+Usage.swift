import AAMCore
import Foundation
import SQLiteNIO

/// `GET /admin/usage` in one `GROUP BY`, with the same answer as `UsageTally`.
///
/// Exact: each record's cost is kept as whole nano-dollars (`cost_nanos`, the nanos of
/// `Money(parsing: cost_usd)`, NULL when it has no valid cost). SQLite's `sum()` of integers
/// fails on overflow (and `total()` is floating point), so every sum is taken in two parts,
/// whole billions and the remainder, that cannot overflow for any realistic table (a billion
/// rows of `Int64.max`), and joined in 128 bits; the total is clamped like `UsageTally`.
extension SQLiteStore: UsageQueryStore {
    public func usage(groupBy dimension: UsageDimension, from: Date?, to: Date?) async throws -> [UsageRow] {
        var conditions: [String] = []
        var binds: [SQLiteData] = []
        if let from {
            conditions.append("started_at >= ?")
            binds.append(.float(from.timeIntervalSince1970))
        }
        if let to {
            conditions.append("started_at < ?")
            binds.append(.float(to.timeIntervalSince1970))
        }
        // NULLIF: an empty value is the null group, as in Postgres (which stores it as NULL).
        let sql = """
            SELECT NULLIF(\(dimension.column), '') AS grp, COUNT(*) AS calls,
              \(Self.splitSum("MAX(prompt_tokens, 0)", as: "prompt")), \(Self.splitSum("MAX(completion_tokens, 0)", as: "completion")),
              \(Self.splitSum("cost_nanos", as: "cost"))
            FROM call_records \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
            GROUP BY grp
            """
        let rows = try await query(sql, binds).map { row in
            func sum(_ name: String) -> Int64 {
                let billions = Int128(row.column("\(name)_b")?.integer ?? 0)
                let rest = Int128(row.column("\(name)_r")?.integer ?? 0)
                return UsageTally.clamped(billions * 1_000_000_000 + rest)
            }
            return UsageRow(
                group: row.column("grp")?.string, calls: row.column("calls")?.integer ?? 0, promptTokens: Int(sum("prompt")),
                completionTokens: Int(sum("completion")), spend: Money(nanos: sum("cost")))
        }
        // Sorted in Swift, as every store sorts (SQLite's BINARY collation is byte order).
        return UsageTally.sorted(rows)
    }

    /// `SUM(expression)` as `NAME_b` (whole billions) and `NAME_r` (the rest; integer division
    /// and remainder both truncate toward zero, so the parts add up for negative values too).
    private static func splitSum(_ expression: String, as name: String) -> String {
        "SUM((\(expression)) / 1000000000) AS \(name)_b, SUM((\(expression)) % 1000000000) AS \(name)_r"
    }

    /// Rows per UPDATE of the backfill (two binds each).
    static let backfillChunk = 500

    /// Migration 7's fill of `cost_nanos` for rows written before it: `cost_usd` parsed by
    /// `Money` itself (NULL when it is not a valid amount, as `UsageTally` skips it), a chunk of
    /// rows at a time in row order.
    @Sendable static func backfillCostNanos(_ connection: SQLiteConnection) async throws {
        var after = 0
        while true {
            let rows = try await connection.query(
                "SELECT seq, cost_usd FROM call_records WHERE seq > ? AND cost_usd IS NOT NULL ORDER BY seq LIMIT ?",
                [.integer(after), .integer(backfillChunk)])
            guard let last = rows.last?.column("seq")?.integer else { return }
            after = last
            let values: [(seq: Int, nanos: Int64)] = rows.compactMap { row in
                guard let seq = row.column("seq")?.integer, let nanos = UsageTally.costNanos(row.column("cost_usd")?.string) else { return nil }
                return (seq, nanos)
            }
            guard !values.isEmpty else { continue }
            _ = try await connection.query(
                "WITH v(seq, nanos) AS (VALUES " + Array(repeating: "(?, ?)", count: values.count).joined(separator: ", ") + ") "
                    + "UPDATE call_records SET cost_nanos = (SELECT nanos FROM v WHERE v.seq = call_records.seq) WHERE seq IN (SELECT seq FROM v)",
                values.flatMap { [SQLiteData.integer($0.seq), .integer(Int($0.nanos))] })
        }
    }
}

extension CallRecordColumns {
    /// What `append` inserts: the record's columns (`names`, exactly what the evidence chain
    /// digests) and, after them, the derived usage column, which the chain leaves out.
    static let insertedNames = names + ", cost_nanos"
    static let insertedCount = count + 1

    static func insertedBinds(_ record: CallRecord) -> [SQLiteData] {
        binds(record) + [UsageTally.costNanos(record.costUSD).map { .integer(Int($0)) } ?? .null]
    }
}
