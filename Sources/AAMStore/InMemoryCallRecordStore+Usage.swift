import AAMCore
import Foundation

/// The in-memory store holds every record in this process anyway, so it answers usage with the
/// reference tally (`UsageTally`), which the SQL stores are tested against.
extension InMemoryCallRecordStore: UsageQueryStore {
    public func usage(groupBy dimension: UsageDimension, from: Date?, to: Date?) async throws -> [UsageRow] {
        UsageTally.rows(try await calls(since: from ?? .distantPast), by: dimension, from: from, to: to)
    }
}
