import Foundation

/// One piece of durable evidence: a call record or an admin audit entry. The spool holds both
/// kinds in one ordered stream, so a replay after a crash restores them in the order they happened.
public enum EvidenceItem: Sendable, Hashable, Codable {
    case call(CallRecord)
    case audit(AdminAuditEntry)
}

/// Where evidence goes before anyone is told it was recorded.
///
/// `appendDurably` returns only once the items would survive `kill -9` of the daemon (fsynced in
/// the local spool, or committed in the database). Implementations: the crash-safe spool
/// (`AAMStore`), and a direct store sink for tests and the in-memory store.
public protocol EvidenceSink: Sendable {
    func appendDurably(_ items: [EvidenceItem]) async throws
}
