import AAMCore
import Foundation

/// `GET /admin/usage?groupBy=org|team|project|key|alias|provider&from=ISO&to=ISO`: spend, tokens
/// and call counts from the stored call records started in `[from, to)` (default: all of them),
/// grouped by one dimension. Computed on the admin path by the store (`UsageQueryStore`: one SQL
/// `GROUP BY`, so every replica sharing a database answers alike), never on the hot path.
/// Calls without the dimension (a rejected call has no provider) are grouped under `null`.
enum UsageAdmin {
    typealias Dimension = UsageDimension

    struct Row: Encodable, Sendable, Equatable {
        var group: String?
        var calls: Int
        var promptTokens: Int
        var completionTokens: Int
        var spendUSD: String

        enum CodingKeys: String, CodingKey { case group, calls, promptTokens, completionTokens, spendUSD }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(group, forKey: .group)  // explicit null for "no such dimension"
            try container.encode(calls, forKey: .calls)
            try container.encode(promptTokens, forKey: .promptTokens)
            try container.encode(completionTokens, forKey: .completionTokens)
            try container.encode(spendUSD, forKey: .spendUSD)
        }
    }

    struct Report: Encodable, Sendable {
        var groupBy: String
        var from: Date?
        var to: Date?
        var groups: [Row]
    }

    /// Parses the query; errors name the parameter.
    static func parse(groupBy: String?, from: String?, to: String?) throws(AdminError) -> (Dimension, Date?, Date?) {
        let name = groupBy ?? "key"
        guard let dimension = Dimension(rawValue: name) else {
            throw AdminError("must be one of \(Dimension.allCases.map(\.rawValue).joined(separator: ", "))", field: "groupBy")
        }
        func date(_ text: String?, _ field: String) throws(AdminError) -> Date? {
            guard let text else { return nil }
            if let date = try? Date(text, strategy: .iso8601) { return date }
            if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
            throw AdminError("expected an ISO 8601 date such as 2030-01-31T00:00:00Z", field: field)
        }
        let start = try date(from, "from")
        let end = try date(to, "to")
        if let start, let end, end < start { throw AdminError("must not be before 'from'", field: "to") }
        return (dimension, start, end)
    }

    /// The report from the store: summed by the store itself when it can (every built-in store
    /// can), else tallied here from its records (a store that only keeps records).
    static func report(from calls: any CallRecordStore, by dimension: Dimension, from: Date?, to: Date?) async throws -> Report {
        if let store = calls as? any UsageQueryStore {
            return report(try await store.usage(groupBy: dimension, from: from, to: to), by: dimension, from: from, to: to)
        }
        return report(try await calls.calls(since: from ?? .distantPast), by: dimension, from: from, to: to)
    }

    /// Groups `records` by `dimension` over `[from, to)` (`UsageTally`, the reference every store agrees with).
    static func report(_ records: [CallRecord], by dimension: Dimension, from: Date?, to: Date?) -> Report {
        report(UsageTally.rows(records, by: dimension, from: from, to: to), by: dimension, from: from, to: to)
    }

    /// The report of already summed `rows` (sorted by group, null last).
    static func report(_ rows: [UsageRow], by dimension: Dimension, from: Date?, to: Date?) -> Report {
        let groups = rows.map { row in
            Row(
                group: row.group, calls: row.calls, promptTokens: row.promptTokens, completionTokens: row.completionTokens,
                spendUSD: row.spend.description)
        }
        return Report(groupBy: dimension.rawValue, from: from, to: to, groups: groups)
    }
}
