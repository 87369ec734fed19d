import AAMCore
import Foundation

/// `GET /admin/usage?groupBy=org|team|project|key|alias|provider&from=ISO&to=ISO`: spend, tokens
/// and call counts from the stored call records started in `[from, to)` (default: all of them),
/// grouped by one dimension. Computed on the admin path from the store, never on the hot path.
/// Calls without the dimension (a rejected call has no provider) are grouped under `null`.
enum UsageAdmin {
    enum Dimension: String, CaseIterable, Sendable {
        case org, team, project, key, alias, provider

        func value(of record: CallRecord) -> String? {
            switch self {
            case .org: record.orgId
            case .team: record.teamId
            case .project: record.projectId
            case .key: record.keyId
            case .alias: record.alias
            case .provider: record.provider
            }
        }
    }

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

    /// Groups `records` (already limited to the range) by `dimension`, sorted by group, null last.
    static func report(_ records: [CallRecord], by dimension: Dimension, from: Date?, to: Date?) -> Report {
        var totals: [String?: (calls: Int, prompt: Int, completion: Int, usd: Money)] = [:]
        for record in records {
            if let from, record.startedAt < from { continue }
            if let to, record.startedAt >= to { continue }
            var total = totals[dimension.value(of: record)] ?? (0, 0, 0, .zero)
            total.calls += 1
            total.prompt += max(record.promptTokens, 0)
            total.completion += max(record.completionTokens, 0)
            if let cost = record.costUSD.flatMap({ try? Money(parsing: $0) }) { total.usd = total.usd.saturatingAdding(cost) }
            totals[dimension.value(of: record)] = total
        }
        let rows = totals.map { group, total in
            Row(group: group, calls: total.calls, promptTokens: total.prompt, completionTokens: total.completion, spendUSD: total.usd.description)
        }
        .sorted { lhs, rhs in
            switch (lhs.group, rhs.group) {
            case (let left?, let right?): left < right
            case (.some, .none): true
            default: false
            }
        }
        return Report(groupBy: dimension.rawValue, from: from, to: to, groups: rows)
    }
}
