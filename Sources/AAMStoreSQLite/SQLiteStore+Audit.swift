import AAMCore
import Foundation
import SQLiteNIO

extension SQLiteStore {
    /// Audit entries per INSERT statement (10 columns each).
    static let auditRowsPerStatement = 500
    private static let auditColumns = "sequence, at_ref, actor, channel, action, target, before, after, previous_hash, hash"

    /// Stores the entries as given (NUL aside), idempotent by sequence (`INSERT OR IGNORE`).
    public func appendAudit(_ entries: [AdminAuditEntry]) async throws {
        for start in stride(from: 0, to: entries.count, by: Self.auditRowsPerStatement) {
            let batch = entries[start..<min(entries.count, start + Self.auditRowsPerStatement)]
            var binds: [SQLiteData] = []
            binds.reserveCapacity(batch.count * 10)
            for original in batch {
                // NUL-free like Postgres (`StorableText`), so both stores keep the same text.
                let entry = try StorableText.storable(original).value
                binds += [
                    .integer(Int(entry.sequence)), .float(entry.at.timeIntervalSinceReferenceDate), .text(entry.actor),
                    .text(entry.channel), .text(entry.action), .text(entry.target), entry.before.map(SQLiteData.text) ?? .null,
                    entry.after.map(SQLiteData.text) ?? .null, .text(entry.previousHash), .text(entry.hash),
                ]
            }
            let row = "(" + Array(repeating: "?", count: 10).joined(separator: ",") + ")"
            _ = try await query(
                "INSERT OR IGNORE INTO admin_audit (\(Self.auditColumns)) VALUES " + Array(repeating: row, count: batch.count).joined(separator: ","),
                binds)
        }
    }

    public func lastAudit() async throws -> AdminAuditEntry? {
        try await query("SELECT \(Self.auditColumns) FROM admin_audit ORDER BY sequence DESC LIMIT 1", []).first.map(Self.auditEntry)
    }

    public func auditEntries(_ filter: AdminAuditQuery) async throws -> [AdminAuditEntry] {
        var conditions = ["sequence > ?"]
        var binds: [SQLiteData] = [.integer(Int(filter.afterSequence))]
        if let actor = filter.actor {
            conditions.append("actor = ?")
            binds.append(.text(actor))
        }
        if let action = filter.action {
            conditions.append("action = ?")
            binds.append(.text(action))
        }
        if let target = filter.target {
            if target.hasSuffix("*") {
                // substr/length count characters on both sides; no LIKE, so '%' and '_' are literal.
                let prefix = String(target.dropLast())
                conditions.append("substr(target, 1, length(?)) = ?")
                binds += [.text(prefix), .text(prefix)]
            } else {
                conditions.append("target = ?")
                binds.append(.text(target))
            }
        }
        if let from = filter.from {
            conditions.append("at_ref >= ?")
            binds.append(.float(from.timeIntervalSinceReferenceDate))
        }
        if let to = filter.to {
            conditions.append("at_ref <= ?")
            binds.append(.float(to.timeIntervalSinceReferenceDate))
        }
        binds.append(.integer(max(0, filter.limit)))
        return try await query(
            "SELECT \(Self.auditColumns) FROM admin_audit WHERE \(conditions.joined(separator: " AND ")) ORDER BY sequence LIMIT ?", binds
        ).map(Self.auditEntry)
    }

    /// A row that does not read back is an error, never skipped: a silently missing entry
    /// would look like a deletion to the chain verifier and hide the real cause.
    private static func auditEntry(_ row: SQLiteRow) throws -> AdminAuditEntry {
        guard let sequence = row.column("sequence")?.integer, let reference = row.column("at_ref")?.double,
            let actor = row.column("actor")?.string, let channel = row.column("channel")?.string,
            let action = row.column("action")?.string, let target = row.column("target")?.string,
            let previous = row.column("previous_hash")?.string, let hash = row.column("hash")?.string
        else { throw SQLiteStoreError("an admin_audit row has a missing or mistyped column") }
        func optional(_ name: String) -> String? { row.column(name).flatMap { $0.isNull ? nil : $0.string } }
        return AdminAuditEntry(
            sequence: Int64(sequence), at: Date(timeIntervalSinceReferenceDate: reference), actor: actor, channel: channel,
            action: action, target: target, before: optional("before"), after: optional("after"), previousHash: previous, hash: hash)
    }
}

/// A stored row the SQLite store cannot read back.
public struct SQLiteStoreError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
