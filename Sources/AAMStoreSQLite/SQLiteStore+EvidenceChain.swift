import AAMCore
import Foundation
import SQLiteNIO

/// The call-record chain in SQLite (`evidence_chain`; see `EvidenceChainStore`).
///
/// Chaining runs inside the actor under `chainGate`, after the records' INSERT: claim the
/// batch's rows (`chain_link`), read them back, link them. No transaction spans these steps
/// (the connection is shared with every other statement of the store, and a ROLLBACK would
/// take their writes with it): a crash between them leaves claimed rows without a link, and
/// the spool replay, which re-appends the same records, claims and links them again.
extension SQLiteStore: EvidenceChainStore {
    /// The columns a new link digests: the row number and every stored column of the record.
    static var chainColumns: String {
        (["seq"] + CallRecordColumns.names.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) })
            .joined(separator: ",")
    }

    /// Request ids per claiming UPDATE (one bind each, well under SQLite's variable limit).
    static let claimChunk = 500
    /// Rows per link when adopting records written before chaining existed.
    static let adoptChunk = 5000
    private static let linkColumns = "sequence, at_ms, first_row, last_row, row_count, columns, digest, previous_mac, mac"

    public func attachChain(_ authenticator: any EvidenceAuthenticator) async { chainAuthenticator = authenticator }

    /// Chains the rows of `records` that no link holds yet (called at the end of `append`).
    func chainAppended(_ records: [CallRecord]) async throws {
        guard let authenticator = chainAuthenticator, !records.isEmpty else { return }
        try await chainGate.run {
            let previous = try await lastChainLink()
            let next = (previous?.sequence ?? 0) + 1
            let ids = records.map(\.requestId)
            for start in stride(from: 0, to: ids.count, by: Self.claimChunk) {
                let chunk = ids[start..<min(ids.count, start + Self.claimChunk)]
                // `chain_link >= next`: rows a crashed earlier attempt claimed without linking.
                _ = try await query(
                    "UPDATE call_records SET chain_link = ? WHERE (chain_link IS NULL OR chain_link >= ?) AND request_id IN ("
                        + Array(repeating: "?", count: chunk.count).joined(separator: ",") + ")",
                    [.integer(Int(next)), .integer(Int(next))] + chunk.map(SQLiteData.text))
            }
            try await link(next, after: previous, authenticator)
        }
    }

    public func adoptUnchainedRecords() async throws -> Int64 {
        guard let authenticator = chainAuthenticator else { return 0 }
        return try await chainGate.run {
            guard try await lastChainLink() == nil else { return 0 }
            var adopted: Int64 = 0
            var previous: EvidenceChainLink?
            while true {
                let next = (previous?.sequence ?? 0) + 1
                guard
                    let upTo = try await query(
                        "SELECT MAX(seq) AS s FROM (SELECT seq FROM call_records WHERE chain_link IS NULL ORDER BY seq LIMIT ?)",
                        [.integer(Self.adoptChunk)]
                    ).first?.column("s")?.integer
                else { break }
                _ = try await query(
                    "UPDATE call_records SET chain_link = ? WHERE chain_link IS NULL AND seq <= ?", [.integer(Int(next)), .integer(upTo)])
                guard let made = try await link(next, after: previous, authenticator) else { break }
                adopted += made.count
                previous = made
            }
            return adopted
        }
    }

    /// Links the rows claimed for `sequence`; nil when there are none (a replay of records
    /// that are chained already).
    @discardableResult
    private func link(_ sequence: Int64, after previous: EvidenceChainLink?, _ authenticator: any EvidenceAuthenticator) async throws
        -> EvidenceChainLink?
    {
        let columns = Self.chainColumns
        let rows = try await rows(claimedBy: sequence, columns: columns)
        guard let link = EvidenceChainLink.next(after: previous, rows: rows, columns: columns, at: Date(), authenticator) else { return nil }
        _ = try await query(
            "INSERT INTO evidence_chain (\(Self.linkColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                .integer(Int(link.sequence)), .integer(Int(link.atMilliseconds)), .integer(Int(link.firstRow)), .integer(Int(link.lastRow)),
                .integer(Int(link.count)), .text(link.columns), .text(link.digest), .text(link.previousMAC), .text(link.mac),
            ])
        return link
    }

    public func lastChainLink() async throws -> EvidenceChainLink? {
        try await query("SELECT \(Self.linkColumns) FROM evidence_chain ORDER BY sequence DESC LIMIT 1", []).first.map(Self.chainLink)
    }

    public func chainLinks(after: Int64, limit: Int) async throws -> [EvidenceChainLink] {
        try await query(
            "SELECT \(Self.linkColumns) FROM evidence_chain WHERE sequence > ? ORDER BY sequence LIMIT ?",
            [.integer(Int(after)), .integer(max(0, limit))]
        ).map(Self.chainLink)
    }

    public func chainedRows(of link: EvidenceChainLink) async throws -> [EvidenceRow] {
        try await rows(claimedBy: link.sequence, columns: link.columns)
    }

    public func unchainedRows(lastLink: Int64, limit: Int) async throws -> [Int64] {
        try await query(
            "SELECT seq FROM call_records WHERE chain_link IS NULL OR chain_link < 1 OR chain_link > ? ORDER BY seq LIMIT ?",
            [.integer(Int(lastLink)), .integer(max(0, limit))]
        ).compactMap { $0.column("seq")?.integer.map(Int64.init) }
    }

    /// The rows whose `chain_link` is `sequence`, with exactly `columns` (each checked against
    /// the table's known columns: a link read from the database is not trusted as SQL).
    private func rows(claimedBy sequence: Int64, columns: String) async throws -> [EvidenceRow] {
        let names = columns.split(separator: ",").map(String.init)
        let known = Set(Self.chainColumns.split(separator: ",").map(String.init))
        guard !names.isEmpty, names.first == "seq", names.allSatisfy(known.contains) else {
            throw SQLiteStoreError("evidence chain link \(sequence) names columns this store does not have")
        }
        return try await query(
            "SELECT \(names.joined(separator: ", ")) FROM call_records WHERE chain_link = ? ORDER BY seq", [.integer(Int(sequence))]
        ).map { row in
            guard let seq = row.column("seq")?.integer else { throw SQLiteStoreError("a call_records row has no seq") }
            return EvidenceRow(seq: Int64(seq), values: names.dropFirst().map { Self.value(row.column($0)) })
        }
    }

    private static func value(_ data: SQLiteData?) -> EvidenceValue {
        switch data {
        case .integer(let number): .integer(Int64(number))
        case .float(let number): .real(number)
        case .text(let text): .text(text)
        case .blob(let buffer): .text("blob:" + buffer.readableBytesView.map { String(format: "%02x", $0) }.joined())
        case .null, .none: .null
        }
    }

    private static func chainLink(_ row: SQLiteRow) throws -> EvidenceChainLink {
        guard let sequence = row.column("sequence")?.integer, let at = row.column("at_ms")?.integer,
            let first = row.column("first_row")?.integer, let last = row.column("last_row")?.integer,
            let count = row.column("row_count")?.integer, let columns = row.column("columns")?.string,
            let digest = row.column("digest")?.string, let previous = row.column("previous_mac")?.string,
            let mac = row.column("mac")?.string
        else { throw SQLiteStoreError("an evidence_chain row has a missing or mistyped column") }
        return EvidenceChainLink(
            sequence: Int64(sequence), atMilliseconds: Int64(at), firstRow: Int64(first), lastRow: Int64(last), count: Int64(count),
            columns: columns, digest: digest, previousMAC: previous, mac: mac)
    }
}
