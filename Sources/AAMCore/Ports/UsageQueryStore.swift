import Foundation

/// Usage totals computed by the store itself (`GET /admin/usage`).
///
/// Several `aamd` replicas share one Postgres, so usage is aggregated where the records are
/// (one `GROUP BY` in SQL) rather than by loading records into one replica's memory: every
/// replica then gives the same answer, and the admin path never holds a range of records.
/// Implementations: in-memory (`UsageTally` over its records), SQLite, Postgres; all pass one
/// conformance suite and agree with `UsageTally`.
public protocol UsageQueryStore: Sendable {
    /// Calls started in `[from, to)` (`nil`: unbounded on that side), grouped by `dimension`,
    /// sorted as `UsageTally.sorted` sorts (by group, the `nil` group last).
    func usage(groupBy dimension: UsageDimension, from: Date?, to: Date?) async throws -> [UsageRow]
}

/// What usage is grouped by: one identity field of the call record.
public enum UsageDimension: String, CaseIterable, Sendable {
    case org, team, project, key, alias, provider

    /// The record's value for this dimension; an absent or empty one is `nil` (the Postgres
    /// store keeps an empty string as NULL, and every store must agree).
    public func value(of record: CallRecord) -> String? {
        let value: String? =
            switch self {
            case .org: record.orgId
            case .team: record.teamId
            case .project: record.projectId
            case .key: record.keyId
            case .alias: record.alias
            case .provider: record.provider
            }
        return value?.isEmpty == false ? value : nil
    }

    /// The `call_records` column holding the dimension (the same name in both SQL stores).
    public var column: String {
        switch self {
        case .org: "org_id"
        case .team: "team_id"
        case .project: "project_id"
        case .key: "key_id"
        case .alias: "alias"
        case .provider: "provider"
        }
    }
}

/// One group's totals: calls, tokens (negative counts count as zero) and spend (the sum of the
/// records' `costUSD`; a missing or unparsable cost counts as zero). Sums beyond `Int64`'s
/// range are clamped, never wrapped.
public struct UsageRow: Sendable, Hashable {
    public var group: String?
    public var calls: Int
    public var promptTokens: Int
    public var completionTokens: Int
    public var spend: Money

    public init(group: String?, calls: Int, promptTokens: Int, completionTokens: Int, spend: Money) {
        self.group = group
        self.calls = calls
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.spend = spend
    }
}
