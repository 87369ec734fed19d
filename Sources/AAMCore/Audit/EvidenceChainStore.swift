/// A call-record store that chains what it writes (`evidence_chain`, see `EvidenceChainLink`).
///
/// Once an authenticator is attached, every `append` that stores records also writes their
/// batch link (claiming the rows it just stored, then linking them under the chain key), before
/// it returns, so a batch the spool drain wrote is chained before the spool forgets it; a crash
/// in between is repaired by the replay, which re-appends the same records and chains them.
/// Without an authenticator (tests, tools) records are stored unchained.
public protocol EvidenceChainStore: Sendable {
    /// Starts chaining appends under `authenticator` (its current key may change on rotation).
    func attachChain(_ authenticator: any EvidenceAuthenticator) async
    /// Chains every record written before chaining existed (the first start after the upgrade),
    /// when the chain has no link yet; returns the number of records adopted (0 otherwise).
    func adoptUnchainedRecords() async throws -> Int64
    /// The link with the highest sequence.
    func lastChainLink() async throws -> EvidenceChainLink?
    /// Links with a sequence above `after`, in sequence order, at most `limit`.
    func chainLinks(after: Int64, limit: Int) async throws -> [EvidenceChainLink]
    /// The stored rows that claim to belong to `link`, in row order, with the link's columns
    /// (a column name the store does not know is an error, never spliced into SQL).
    func chainedRows(of link: EvidenceChainLink) async throws -> [EvidenceRow]
    /// Row numbers (at most `limit`, lowest first) of records no link up to `lastLink` covers.
    func unchainedRows(lastLink: Int64, limit: Int) async throws -> [Int64]
}
