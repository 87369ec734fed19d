import AAMCore
import Foundation
import PostgresNIO

/// The call-record chain in Postgres (`evidence_chain`; see `EvidenceChainStore`).
///
/// Chaining runs after the records' INSERT, serialized by `chainGate`: claim the batch's rows
/// (`chain_link`), read them back, link them. A crash between the steps leaves claimed rows
/// without a link; the spool replay re-appends the same records, which claims and links them.
/// Several replicas share the one chain: each linking step runs under the cluster lock
/// `callChain` (`withChainLock`), so links are numbered and chained one after another whoever
/// writes them. Rows a crashed replica claimed without linking are taken into the next link,
/// by whichever replica makes it (they are in the database either way).
/// Every column is read as Postgres's text form (`::text`), so the digest covers exactly what is
/// stored, in one representation for every type.
extension PostgresStore: EvidenceChainStore {
    /// The columns a new link digests: the row number and every stored column of the record.
    static let chainColumns = "seq,request_id,started_at,key_id,org_id,team_id,project_id,alias,provider,status,outcome,record"
    static let adoptChunk = 5000
    private static let linkColumns = "sequence, at_ms, first_row, last_row, row_count, columns, digest, previous_mac, mac"

    public func attachChain(_ authenticator: any EvidenceAuthenticator) async {
        chainAuthenticator.withLock { $0 = authenticator }
    }

    /// Chains the rows of `records` that no link holds yet (called at the end of `append`).
    func chainAppended(_ records: [CallRecord]) async throws {
        guard let authenticator = chainAuthenticator.withLock({ $0 }), !records.isEmpty else { return }
        let ids = records.map(\.requestId)
        try await chainGate.run {
            try await withChainLock {
                let previous = try await lastChainLink()
                let next = (previous?.sequence ?? 0) + 1
                // `chain_link >= next`: rows a crashed earlier attempt claimed without linking.
                try await run("claim \(ids.count) call records for evidence link \(next)") { [self] in
                    try await client.query(
                        "UPDATE call_records SET chain_link = \(next) WHERE request_id = ANY(\(ids)) AND (chain_link IS NULL OR chain_link >= \(next))",
                        logger: logger)
                }
                try await link(next, after: previous, authenticator)
            }
        }
    }

    /// Runs `body` holding the cluster-wide call-chain lock (released however `body` ends).
    func withChainLock<T>(_ body: () async throws -> T) async throws -> T {
        try await clusterLocks.acquire(.callChain)
        do {
            let value = try await body()
            await clusterLocks.release(.callChain)
            return value
        } catch {
            await clusterLocks.release(.callChain)
            throw error
        }
    }

    public func adoptUnchainedRecords() async throws -> Int64 {
        guard let authenticator = chainAuthenticator.withLock({ $0 }) else { return 0 }
        return try await chainGate.run {
            try await withChainLock {
                guard try await lastChainLink() == nil else { return 0 }
                var adopted: Int64 = 0
                var previous: EvidenceChainLink?
                while true {
                    let next = (previous?.sequence ?? 0) + 1
                    let chunk = Self.adoptChunk
                    try await run("adopt unchained call records") { [self] in
                        try await client.query(
                            """
                            UPDATE call_records SET chain_link = \(next)
                            WHERE seq IN (SELECT seq FROM call_records WHERE chain_link IS NULL ORDER BY seq LIMIT \(chunk))
                            """,
                            logger: logger)
                    }
                    guard let made = try await link(next, after: previous, authenticator) else { break }
                    adopted += made.count
                    previous = made
                }
                return adopted
            }
        }
    }

    @discardableResult
    private func link(_ sequence: Int64, after previous: EvidenceChainLink?, _ authenticator: any EvidenceAuthenticator) async throws
        -> EvidenceChainLink?
    {
        let columns = Self.chainColumns
        let rows = try await rows(claimedBy: sequence, columns: columns)
        guard let link = EvidenceChainLink.next(after: previous, rows: rows, columns: columns, at: Date(), authenticator) else { return nil }
        try await run("write evidence link \(sequence)") { [self] in
            try await client.query(
                """
                INSERT INTO evidence_chain (sequence, at_ms, first_row, last_row, row_count, columns, digest, previous_mac, mac)
                VALUES (\(link.sequence), \(link.atMilliseconds), \(link.firstRow), \(link.lastRow), \(link.count), \(link.columns),
                        \(link.digest), \(link.previousMAC), \(link.mac))
                """,
                logger: logger)
        }
        return link
    }

    public func lastChainLink() async throws -> EvidenceChainLink? {
        try await links("read the last evidence link", PostgresQuery(unsafeSQL: "SELECT \(Self.linkColumns) FROM evidence_chain ORDER BY sequence DESC LIMIT 1"))
            .first
    }

    public func chainLinks(after: Int64, limit: Int) async throws -> [EvidenceChainLink] {
        try await links(
            "read evidence links",
            "SELECT sequence, at_ms, first_row, last_row, row_count, columns, digest, previous_mac, mac FROM evidence_chain WHERE sequence > \(after) ORDER BY sequence LIMIT \(max(0, limit))"
        )
    }

    public func chainedRows(of link: EvidenceChainLink) async throws -> [EvidenceRow] {
        try await rows(claimedBy: link.sequence, columns: link.columns)
    }

    public func unchainedRows(lastLink: Int64, limit: Int) async throws -> [Int64] {
        try await run("find unchained call records") { [self] in
            var result: [Int64] = []
            let rows = try await client.query(
                "SELECT seq FROM call_records WHERE chain_link IS NULL OR chain_link < 1 OR chain_link > \(lastLink) ORDER BY seq LIMIT \(max(0, limit))",
                logger: logger)
            for try await seq in rows.decode(Int64.self) { result.append(seq) }
            return result
        }
    }

    /// The rows whose `chain_link` is `sequence`, with exactly `columns` (each checked against
    /// the known columns: a link read from the database is not trusted as SQL).
    private func rows(claimedBy sequence: Int64, columns: String) async throws -> [EvidenceRow] {
        let names = columns.split(separator: ",").map(String.init)
        let known = Set(Self.chainColumns.split(separator: ",").map(String.init))
        guard !names.isEmpty, names.first == "seq", names.allSatisfy(known.contains) else {
            throw PostgresStoreError("evidence chain link \(sequence) names columns this store does not have")
        }
        let sql = "SELECT seq, " + names.dropFirst().map { "\($0)::text" }.joined(separator: ", ")
            + " FROM call_records WHERE chain_link = $1 ORDER BY seq"
        var binds = PostgresBindings()
        binds.append(sequence)
        let query = PostgresQuery(unsafeSQL: sql, binds: binds)
        return try await run("read the call records of evidence link \(sequence)") { [self] in
            var result: [EvidenceRow] = []
            for try await row in try await client.query(query, logger: logger) {
                var cells = row.makeIterator()
                guard let first = cells.next() else { continue }
                let seq = try first.decode(Int64.self)
                var values: [EvidenceValue] = []
                while let cell = cells.next() { values.append(try cell.decode(String?.self).map(EvidenceValue.text) ?? .null) }
                result.append(EvidenceRow(seq: seq, values: values))
            }
            return result
        }
    }

    private func links(_ what: String, _ query: PostgresQuery) async throws -> [EvidenceChainLink] {
        try await run(what) { [self] in
            var result: [EvidenceChainLink] = []
            for try await row in try await client.query(query, logger: logger) {
                let (sequence, at, first, last, count, columns, digest, previous, mac) = try row.decode(
                    (Int64, Int64, Int64, Int64, Int64, String, String, String, String).self)
                result.append(
                    EvidenceChainLink(
                        sequence: sequence, atMilliseconds: at, firstRow: first, lastRow: last, count: count, columns: columns,
                        digest: digest, previousMAC: previous, mac: mac))
            }
            return result
        }
    }
}
