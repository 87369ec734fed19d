import AAMCore
import Foundation
import PostgresNIO

extension PostgresStore {
    /// One multi-row INSERT: entries travel as JSON plus their exact time (`at_ref`, seconds
    /// since the reference date, the `Date`'s own representation), so a read returns the
    /// entry bit for bit and the chain re-hashes. Idempotent by sequence. Texts go in NUL-free
    /// (`StorableText`; the audit log already cleans drafts before hashing, so this changes
    /// nothing for its entries and only keeps a stray NUL from stalling the drain).
    public func appendAudit(_ entries: [AdminAuditEntry]) async throws {
        guard !entries.isEmpty else { return }
        let encoder = JSONEncoder()
        var documents: [String] = []
        var references: [Double] = []
        var unix: [Double] = []
        for original in entries {
            let (entry, json) = try StorableText.storable(original, encoder: encoder)
            documents.append(String(decoding: json, as: UTF8.self))
            references.append(entry.at.timeIntervalSinceReferenceDate)
            unix.append(entry.at.timeIntervalSince1970)
        }
        try await run("append \(entries.count) audit entries") { [self, documents, references, unix] in
            try await client.query(
                """
                INSERT INTO admin_audit (sequence, at, at_ref, actor, channel, action, target, before, after, previous_hash, hash)
                SELECT (e->>'sequence')::bigint, to_timestamp(t.unix), t.ref, e->>'actor', e->>'channel', e->>'action', e->>'target',
                       e->>'before', e->>'after', e->>'previousHash', e->>'hash'
                FROM unnest(\(documents)::text[], \(references)::float8[], \(unix)::float8[]) WITH ORDINALITY AS t(doc, ref, unix, ord)
                CROSS JOIN LATERAL (SELECT t.doc::jsonb AS e) AS j
                ORDER BY t.ord
                ON CONFLICT (sequence) DO NOTHING
                """,
                logger: logger)
        }
    }

    public func lastAudit() async throws -> AdminAuditEntry? {
        try await audit("read the last audit entry", PostgresQuery(unsafeSQL: "SELECT \(Self.auditColumns) FROM admin_audit ORDER BY sequence DESC LIMIT 1")).first
    }

    public func auditEntries(_ query: AdminAuditQuery) async throws -> [AdminAuditEntry] {
        var binds = PostgresBindings()
        var conditions: [String] = []
        func condition(_ sql: (String) -> String, _ value: some PostgresDynamicTypeEncodable) {
            binds.append(value)
            conditions.append(sql("$\(binds.count)"))
        }
        condition({ "sequence > \($0)" }, query.afterSequence)
        if let actor = query.actor { condition({ "actor = \($0)" }, actor) }
        if let action = query.action { condition({ "action = \($0)" }, action) }
        if let target = query.target {
            if target.hasSuffix("*") {
                condition({ "starts_with(target, \($0))" }, String(target.dropLast()))
            } else {
                condition({ "target = \($0)" }, target)
            }
        }
        if let from = query.from { condition({ "at_ref >= \($0)" }, from.timeIntervalSinceReferenceDate) }
        if let to = query.to { condition({ "at_ref <= \($0)" }, to.timeIntervalSinceReferenceDate) }
        binds.append(max(0, query.limit))
        let sql = "SELECT \(Self.auditColumns) FROM admin_audit WHERE \(conditions.joined(separator: " AND ")) ORDER BY sequence LIMIT $\(binds.count)"
        return try await audit("read audit entries", PostgresQuery(unsafeSQL: sql, binds: binds))
    }

    private static let auditColumns = "sequence, at_ref, actor, channel, action, target, before, after, previous_hash, hash"

    private func audit(_ what: String, _ query: PostgresQuery) async throws -> [AdminAuditEntry] {
        try await run(what) { [self] in
            var result: [AdminAuditEntry] = []
            let rows = try await client.query(query, logger: logger)
            for try await row in rows {
                let (sequence, reference, actor, channel, action, target, before, after, previous, hash) = try row.decode(
                    (Int64, Double, String, String, String, String, String?, String?, String, String).self)
                result.append(
                    AdminAuditEntry(
                        sequence: sequence, at: Date(timeIntervalSinceReferenceDate: reference), actor: actor, channel: channel,
                        action: action, target: target, before: before, after: after, previousHash: previous, hash: hash))
            }
            return result
        }
    }
}
