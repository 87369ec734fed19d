import Foundation

/// Usage arithmetic shared by every `UsageQueryStore`. Pure.
///
/// `rows(_:by:from:to:)` is the reference: the in-memory store answers with it, and the SQL
/// stores must give the same rows (the conformance suite compares them). The SQL stores sum
/// exactly in integers and clamp with `clamped(_:)`; they sort with `sorted(_:)`, because SQL
/// collations (Postgres follows the server's locale) do not order text as Swift does.
public enum UsageTally {
    /// Groups the records started in `[from, to)` by `dimension`.
    public static func rows(_ records: some Sequence<CallRecord>, by dimension: UsageDimension, from: Date?, to: Date?) -> [UsageRow] {
        var totals: [String?: (calls: Int, prompt: Int128, completion: Int128, nanos: Int128)] = [:]
        for record in records {
            if let from, record.startedAt < from { continue }
            if let to, record.startedAt >= to { continue }
            let group = dimension.value(of: record)
            var total = totals[group] ?? (0, 0, 0, 0)
            total.calls += 1
            total.prompt += Int128(max(record.promptTokens, 0))
            total.completion += Int128(max(record.completionTokens, 0))
            total.nanos += Int128(costNanos(record.costUSD) ?? 0)
            totals[group] = total
        }
        return sorted(
            totals.map { group, total in
                UsageRow(
                    group: group, calls: total.calls, promptTokens: Int(clamped(total.prompt)),
                    completionTokens: Int(clamped(total.completion)), spend: Money(nanos: clamped(total.nanos)))
            })
    }

    /// A record's cost in nano-dollars, or `nil` when it has none or it is not a `Money` amount.
    /// The SQL stores keep this next to the record (`cost_nanos`) so that SQL can sum it.
    public static func costNanos(_ costUSD: String?) -> Int64? {
        costUSD.flatMap { try? Money(parsing: $0).nanos }
    }

    /// `value` clamped to `Int64`'s range (a sum never wraps).
    public static func clamped(_ value: Int128) -> Int64 {
        value > Int128(Int64.max) ? .max : value < Int128(Int64.min) ? .min : Int64(value)
    }

    /// By group in Swift's `String` order, the `nil` group (records without the dimension) last.
    public static func sorted(_ rows: [UsageRow]) -> [UsageRow] {
        rows.sorted { lhs, rhs in
            switch (lhs.group, rhs.group) {
            case (let left?, let right?): left < right
            case (.some, .none): true
            default: false
            }
        }
    }
}
