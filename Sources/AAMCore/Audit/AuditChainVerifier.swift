/// The first thing wrong with an audit chain, precise enough to find the row.
public struct AuditChainProblem: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// The row's content no longer matches its own hash: a field was edited in place.
        case modified
        /// One or more sequence numbers are absent: rows were deleted.
        case missing
        /// A row that does not belong: its link and its hash are both wrong, or its sequence
        /// is a duplicate, or the chain does not start from the genesis hash.
        case inserted
        /// The row is intact but does not link to the row before it: that row was replaced
        /// by a re-hashed one, or rows were deleted and the rest renumbered and re-hashed.
        case relinked
        /// Sequences go backwards in the order the rows were read.
        case outOfOrder = "out-of-order"
    }

    public var kind: Kind
    /// The sequence at which the chain breaks (for `missing`, the first absent one).
    public var sequence: Int64
    /// One line of explanation naming the rows involved.
    public var detail: String

    public init(kind: Kind, sequence: Int64, detail: String) {
        self.kind = kind
        self.sequence = sequence
        self.detail = detail
    }

    /// `BROKEN at sequence N: kind (detail)`, as `aam audit verify` prints after `audit chain `.
    public var description: String { "BROKEN at sequence \(sequence): \(kind.rawValue) (\(detail))" }
}

/// Walks audit entries in sequence order and stops at the first problem.
///
/// Incremental (feed pages as they are read), so a chain of any length is verified in constant
/// memory. Each entry is checked in this order: its sequence against the previous one
/// (duplicate, backwards, gap), its `previousHash` against the previous entry's hash, then its
/// own hash against its content. A deleted last row cannot be seen from the rows alone; compare
/// the reported head hash with one kept elsewhere for that.
public struct AuditChainVerifier: Sendable {
    private let chain: AuditChain
    /// Entries accepted so far.
    public private(set) var count = 0
    public private(set) var lastSequence: Int64 = 0
    /// The hash of the last accepted entry (the genesis hash before any).
    public private(set) var headHash = AuditCanonicalForm.genesisHash
    /// The first problem found; once set, further entries are ignored.
    public private(set) var problem: AuditChainProblem?

    public init(hash: @escaping AuditHashFunction) { chain = AuditChain(hash: hash) }

    /// Checks the next entry; returns the problem if this entry (or an earlier one) broke the chain.
    @discardableResult
    public mutating func feed(_ entry: AdminAuditEntry) -> AuditChainProblem? {
        if let problem { return problem }
        let expected = lastSequence + 1
        let contentMatches = chain.expectedHash(of: entry) == entry.hash
        let previousName = count == 0 ? "the genesis hash" : "the hash of sequence \(lastSequence)"
        if entry.sequence == lastSequence, count > 0 {
            return fail(.inserted, entry.sequence, "a second row with sequence \(entry.sequence)")
        }
        if entry.sequence < expected {
            return fail(.outOfOrder, entry.sequence, "sequence \(entry.sequence) read after sequence \(lastSequence)")
        }
        if entry.sequence > expected {
            let range = entry.sequence - 1 == expected ? "sequence \(expected) is" : "sequences \(expected)-\(entry.sequence - 1) are"
            return fail(.missing, expected, "\(range) absent; the next row present is sequence \(entry.sequence)")
        }
        if entry.previousHash != headHash {
            if contentMatches {
                return fail(.relinked, entry.sequence, "its previousHash does not match \(previousName): a row before it was replaced or rows were deleted and renumbered")
            }
            return fail(.inserted, entry.sequence, "its previousHash does not match \(previousName) and its hash does not match its content")
        }
        if !contentMatches {
            return fail(.modified, entry.sequence, "its content does not match its hash")
        }
        count += 1
        lastSequence = entry.sequence
        headHash = entry.hash
        return nil
    }

    /// Feeds every entry in order, stopping at the first problem.
    @discardableResult
    public mutating func feed(_ entries: some Sequence<AdminAuditEntry>) -> AuditChainProblem? {
        for entry in entries where feed(entry) != nil { break }
        return problem
    }

    /// The verdict line `aam audit verify` prints after `audit chain `.
    public var summary: String {
        if let problem { return problem.description }
        return "OK: \(count) entries, last sequence \(lastSequence), head hash \(headHash)"
    }

    private mutating func fail(_ kind: AuditChainProblem.Kind, _ sequence: Int64, _ detail: String) -> AuditChainProblem {
        let found = AuditChainProblem(kind: kind, sequence: sequence, detail: detail)
        problem = found
        return found
    }
}
