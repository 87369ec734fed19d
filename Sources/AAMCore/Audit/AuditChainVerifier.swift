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
        /// An unkeyed (plain SHA-256) link after keyed ones: rewritten by someone without the key.
        case downgraded
        /// No link of a non-empty chain is keyed: never keyed, or rewritten without the key.
        case unkeyed
        /// The link names a chain key this verifier does not hold.
        case unknownKey = "unknown-key"
        /// The chain ends before a head recorded outside the database (an anchor): its tail was deleted.
        case truncated
        /// The link at an anchored sequence is not the one the anchor recorded.
        case anchorMismatch = "anchor-mismatch"
        /// A call record that no batch link covers (inserted behind the gateway's back).
        case unchained
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
/// (duplicate, backwards, gap), its `previousHash` against the previous entry's link, that it
/// is not an unkeyed link after keyed ones, then its own link against its content (the HMAC
/// under the key it names, or SHA-256 for a legacy link), then against an anchor for its
/// sequence. `finish()` adds what only the whole chain shows: a keyed verifier refuses a
/// non-empty chain with no keyed link, and a chain that ends before an anchor is truncated.
public struct AuditChainVerifier: Sendable {
    private let chain: AuditChain
    private let authenticator: (any EvidenceAuthenticator)?
    private var anchors: [Int64: String]
    /// Entries accepted so far.
    public private(set) var count = 0
    /// Of those, unkeyed legacy links (only ever a prefix written before the chain was keyed).
    public private(set) var legacyCount = 0
    public private(set) var lastSequence: Int64 = 0
    /// The link of the last accepted entry (the genesis hash before any).
    public private(set) var headHash = AuditCanonicalForm.genesisHash
    /// The first problem found; once set, further entries are ignored.
    public private(set) var problem: AuditChainProblem?

    /// An unkeyed verifier: checks legacy SHA-256 links only (a keyed link is `unknown-key`).
    public init(hash: @escaping AuditHashFunction) {
        chain = AuditChain(hash: hash)
        authenticator = nil
        anchors = [:]
    }

    /// A keyed verifier; `anchors` maps sequences to the links recorded for them outside the database.
    public init(authenticator: any EvidenceAuthenticator, anchors: [Int64: String] = [:]) {
        chain = AuditChain(authenticator: authenticator)
        self.authenticator = authenticator
        self.anchors = anchors
    }

    /// Checks the next entry; returns the problem if this entry (or an earlier one) broke the chain.
    @discardableResult
    public mutating func feed(_ entry: AdminAuditEntry) -> AuditChainProblem? {
        if let problem { return problem }
        let expected = lastSequence + 1
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
        let bytes = AuditCanonicalForm.bytes(of: entry)
        let keyed = EvidenceMAC.parse(entry.hash)
        let contentMatches: Bool
        if let keyed {
            guard let authenticator, let verdict = EvidenceMAC.verify(entry.hash, of: bytes, authenticator) else {
                return fail(.unknownKey, entry.sequence, "its link names chain key \(keyed.keyID.prefix(40)), which this verifier does not hold")
            }
            contentMatches = verdict
        } else {
            contentMatches = chain.hash(bytes) == entry.hash
        }
        if entry.previousHash != headHash {
            if contentMatches {
                return fail(.relinked, entry.sequence, "its previousHash does not match \(previousName): a row before it was replaced or rows were deleted and renumbered")
            }
            return fail(.inserted, entry.sequence, "its previousHash does not match \(previousName) and its hash does not match its content")
        }
        if keyed == nil, count > legacyCount {
            return fail(.downgraded, entry.sequence, "an unkeyed SHA-256 link after keyed ones: rewritten by someone without the chain key")
        }
        if !contentMatches {
            return fail(.modified, entry.sequence, "its content does not match its hash")
        }
        if let anchored = anchors[entry.sequence], anchored != entry.hash {
            return fail(.anchorMismatch, entry.sequence, "its link differs from the one anchored for this sequence: the row was replaced")
        }
        count += 1
        if keyed == nil { legacyCount += 1 }
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

    /// The checks only the end of the chain allows: call once every entry was fed.
    @discardableResult
    public mutating func finish() -> AuditChainProblem? {
        if let problem { return problem }
        if authenticator != nil, count > 0, legacyCount == count {
            return fail(
                .unkeyed, 1,
                "all \(count) entries are unkeyed SHA-256 links: the chain was never keyed (start this aamd once) or was rewritten without the key")
        }
        if let (sequence, link) = anchors.max(by: { $0.key < $1.key }), sequence > lastSequence {
            return fail(
                .truncated, lastSequence + 1,
                "the chain ends at sequence \(lastSequence) but an anchor records sequence \(sequence) (\(link.suffix(16))): entries were deleted from its end")
        }
        return nil
    }

    /// The verdict line `aam audit verify` prints after `audit chain `.
    public var summary: String {
        if let problem { return problem.description }
        let legacy = legacyCount > 0 && authenticator != nil ? " (\(legacyCount) unkeyed, from before the chain was keyed)" : ""
        return "OK: \(count) entries\(legacy), last sequence \(lastSequence), head hash \(headHash)"
    }

    private mutating func fail(_ kind: AuditChainProblem.Kind, _ sequence: Int64, _ detail: String) -> AuditChainProblem {
        let found = AuditChainProblem(kind: kind, sequence: sequence, detail: detail)
        problem = found
        return found
    }
}
