import Foundation

/// One link of the call-record chain: a durable batch of call records, written in the same
/// store call as the records, naming them by count and digest and chained by an HMAC.
///
/// The records of batch `sequence` are the `call_records` rows whose `chain_link` is
/// `sequence`; `digest` is SHA-256 over their canonical rows in row order
/// (`EvidenceRowCanonicalForm`), and `mac` is `hmac-sha256:<key id>:<HMAC>` over the link's
/// canonical form, which includes `previousMAC`. Editing or deleting a record changes the
/// digest or the count; deleting a whole batch leaves a gap in the link sequence; rewriting
/// links needs the chain key; deleting the last batches is caught by an anchor.
public struct EvidenceChainLink: Sendable, Hashable, Codable {
    /// 1-based and gap-free.
    public var sequence: Int64
    /// When the batch was chained, whole milliseconds since 1970.
    public var atMilliseconds: Int64
    /// Lowest and highest row number (`seq`) of the batch's records.
    public var firstRow: Int64
    public var lastRow: Int64
    public var count: Int64
    /// The stored columns the digest covers, comma-separated, in order (fixed per link, so a
    /// column a later migration adds does not change the digest of older batches).
    public var columns: String
    /// Lowercase hex SHA-256 of the batch's canonical rows.
    public var digest: String
    /// The link of the previous batch (`AuditCanonicalForm.genesisHash` for the first).
    public var previousMAC: String
    public var mac: String

    public init(
        sequence: Int64, atMilliseconds: Int64, firstRow: Int64, lastRow: Int64, count: Int64, columns: String, digest: String,
        previousMAC: String, mac: String
    ) {
        self.sequence = sequence
        self.atMilliseconds = atMilliseconds
        self.firstRow = firstRow
        self.lastRow = lastRow
        self.count = count
        self.columns = columns
        self.digest = digest
        self.previousMAC = previousMAC
        self.mac = mac
    }

    /// Version tag of the link layout.
    public static let version = "aam-evidence-link-v1"

    /// The bytes `mac` covers: every field but `mac`, one per line, in a fixed order.
    public var canonicalBytes: [UInt8] {
        Array(
            """
            \(Self.version)
            sequence \(sequence)
            at \(atMilliseconds)
            rows \(firstRow)-\(lastRow)
            count \(count)
            columns \(columns.utf8.count):\(columns)
            digest \(digest)
            previous \(previousMAC.utf8.count):\(previousMAC)

            """.utf8)
    }

    /// The link after `previous` (nil: the first) for a batch of canonical rows, keyed now.
    public static func next(
        after previous: EvidenceChainLink?, rows: [EvidenceRow], columns: String, at: Date, _ authenticator: any EvidenceAuthenticator
    ) -> EvidenceChainLink? {
        guard let first = rows.first, let last = rows.last else { return nil }
        var link = EvidenceChainLink(
            sequence: (previous?.sequence ?? 0) + 1, atMilliseconds: AuditCanonicalForm.milliseconds(at), firstRow: first.seq,
            lastRow: last.seq, count: Int64(rows.count), columns: columns, digest: EvidenceRowCanonicalForm.digest(rows, authenticator),
            previousMAC: previous?.mac ?? AuditCanonicalForm.genesisHash, mac: "")
        link.mac = EvidenceMAC.current(link.canonicalBytes, authenticator)
        return link
    }
}

/// One stored column value of a call record row, as the store returns it.
public enum EvidenceValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
}

/// One `call_records` row as the chain sees it: its row number and every stored column in the
/// store's fixed order (each store digests all the columns it keeps, query columns included,
/// so editing a column that only a query reads is caught too).
public struct EvidenceRow: Sendable, Hashable {
    public var seq: Int64
    public var values: [EvidenceValue]

    public init(seq: Int64, values: [EvidenceValue]) {
        self.seq = seq
        self.values = values
    }
}

/// The bytes a batch digest covers: a version line, then per row `row <seq>` and one line per
/// value, typed and length-prefixed (`n`, `i<int>`, `f<IEEE bits hex>`, `t<byte length>:<text>`),
/// so no value can forge a boundary and 1, 1.0, "1" and NULL all differ.
public enum EvidenceRowCanonicalForm {
    public static let version = "aam-evidence-rows-v1"

    public static func bytes(_ rows: [EvidenceRow]) -> [UInt8] {
        var output = Array("\(version)\n".utf8)
        for row in rows {
            output += Array("row \(row.seq) \(row.values.count)\n".utf8)
            for value in row.values {
                switch value {
                case .null: output += Array("n\n".utf8)
                case .integer(let number): output += Array("i\(number)\n".utf8)
                case .real(let number): output += Array("f\(String(number.bitPattern, radix: 16))\n".utf8)
                case .text(let text):
                    output += Array("t\(text.utf8.count):".utf8)
                    output += Array(text.utf8)
                    output.append(0x0A)
                }
            }
        }
        return output
    }

    public static func digest(_ rows: [EvidenceRow], _ authenticator: any EvidenceAuthenticator) -> String {
        authenticator.digest(bytes(rows))
    }
}
