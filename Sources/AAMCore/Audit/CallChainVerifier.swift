/// Walks the call-record chain link by link, each with the records the store holds for it, and
/// stops at the first problem (pure: the store reads, this decides).
///
/// Per link: its sequence against the previous one (duplicate, backwards, gap: a deleted batch),
/// its `previousMAC`, its own MAC under the key it names, then its records: their number
/// against `count` (a deleted or an added record) and their digest (an edited one), then an
/// anchor for its sequence. `finish` adds records no link covers and truncation against anchors.
public struct CallChainVerifier: Sendable {
    private let authenticator: any EvidenceAuthenticator
    private let anchors: [Int64: String]
    /// Links accepted so far.
    public private(set) var count = 0
    /// Call records covered by the accepted links.
    public private(set) var records: Int64 = 0
    public private(set) var lastSequence: Int64 = 0
    public private(set) var headMAC = AuditCanonicalForm.genesisHash
    public private(set) var problem: AuditChainProblem?

    public init(authenticator: any EvidenceAuthenticator, anchors: [Int64: String] = [:]) {
        self.authenticator = authenticator
        self.anchors = anchors
    }

    /// Checks `link` and `rows`, the records stored for it (in row order).
    @discardableResult
    public mutating func feed(_ link: EvidenceChainLink, rows: [EvidenceRow]) -> AuditChainProblem? {
        if let problem { return problem }
        let expected = lastSequence + 1
        if link.sequence == lastSequence, count > 0 {
            return fail(.inserted, link.sequence, "a second batch link with sequence \(link.sequence)")
        }
        if link.sequence < expected {
            return fail(.outOfOrder, link.sequence, "batch \(link.sequence) read after batch \(lastSequence)")
        }
        if link.sequence > expected {
            let range = link.sequence - 1 == expected ? "batch \(expected) is" : "batches \(expected)-\(link.sequence - 1) are"
            return fail(.missing, expected, "\(range) absent (link and records deleted); the next batch present is \(link.sequence)")
        }
        guard let macMatches = EvidenceMAC.verify(link.mac, of: link.canonicalBytes, authenticator) else {
            return fail(.unknownKey, link.sequence, "its link names a chain key this verifier does not hold")
        }
        if link.previousMAC != headMAC {
            if macMatches {
                return fail(.relinked, link.sequence, "its previous MAC does not match batch \(lastSequence): a batch before it was replaced")
            }
            return fail(.inserted, link.sequence, "its previous MAC does not match batch \(lastSequence) and its MAC does not match its fields")
        }
        if !macMatches {
            return fail(.modified, link.sequence, "the batch link's fields do not match its MAC")
        }
        if rows.count < link.count {
            return fail(
                .missing, link.sequence, "batch \(link.sequence) chained \(link.count) call records, \(rows.count) are present: records were deleted")
        }
        if rows.count > link.count {
            return fail(
                .inserted, link.sequence, "batch \(link.sequence) chained \(link.count) call records, \(rows.count) claim to belong to it")
        }
        if rows.first?.seq != link.firstRow || rows.last?.seq != link.lastRow
            || EvidenceRowCanonicalForm.digest(rows, authenticator) != link.digest
        {
            return fail(.modified, link.sequence, "the call records of batch \(link.sequence) do not match its digest: a record was edited")
        }
        if let anchored = anchors[link.sequence], anchored != link.mac {
            return fail(.anchorMismatch, link.sequence, "its MAC differs from the one anchored for this batch: the batch was replaced")
        }
        count += 1
        records += link.count
        lastSequence = link.sequence
        headMAC = link.mac
        return nil
    }

    /// The end-of-chain checks: `unchained` are the row numbers (first few) of records that no
    /// link covers; `more` says whether there are further ones.
    @discardableResult
    public mutating func finish(unchained: [Int64], more: Bool = false) -> AuditChainProblem? {
        if let problem { return problem }
        if let first = unchained.first {
            let others = unchained.count > 1 || more ? " (and others: rows \(unchained.map(String.init).joined(separator: ", "))\(more ? ", …" : ""))" : ""
            return fail(
                .unchained, first,
                "call record row \(first)\(others) is covered by no batch link: written behind the gateway's back, or its link was deleted")
        }
        if let (sequence, link) = anchors.max(by: { $0.key < $1.key }), sequence > lastSequence {
            return fail(
                .truncated, lastSequence + 1,
                "the chain ends at batch \(lastSequence) but an anchor records batch \(sequence) (\(link.suffix(16))): batches were deleted from its end")
        }
        return nil
    }

    /// The verdict line `aam audit verify` prints after `call chain `.
    public var summary: String {
        if let problem { return problem.description }
        return "OK: \(count) batches, \(records) call records, last batch \(lastSequence), head MAC \(headMAC)"
    }

    private mutating func fail(_ kind: AuditChainProblem.Kind, _ sequence: Int64, _ detail: String) -> AuditChainProblem {
        let found = AuditChainProblem(kind: kind, sequence: sequence, detail: detail)
        problem = found
        return found
    }
}
