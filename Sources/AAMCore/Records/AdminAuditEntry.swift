import Foundation

/// One admin change, as the tamper-evident audit trail keeps it: who, when, through which
/// channel, what, and the entity before and after (secrets masked by the caller).
///
/// Entries form a hash chain: `hash` covers every other field plus `previousHash`, so editing,
/// inserting or deleting a row breaks the chain at that row (`aam audit verify`).
public struct AdminAuditEntry: Sendable, Hashable, Codable {
    /// Position in the chain, 1-based and gap-free.
    public var sequence: Int64
    public var at: Date
    /// `admin:<token id>`, `operator:<unix user>`, `config:<file name>`, `cli:<unix user>`, `system`.
    public var actor: String
    /// `api`, `console`, `config`, `cli` or `system`.
    public var channel: String
    /// What was done, e.g. `key.rotate`, `provider.drain`, `alias.put`.
    public var action: String
    /// The entity, e.g. `key:k_123`, `provider:openai-east`.
    public var target: String
    /// Canonical JSON of the entity before and after the change (nil when absent), secrets masked.
    public var before: String?
    public var after: String?
    /// Lowercase hex SHA-256 of the previous entry (64 zeros for the first).
    public var previousHash: String
    /// Lowercase hex SHA-256 over this entry's canonical form (see the audit chain).
    public var hash: String

    public init(
        sequence: Int64, at: Date, actor: String, channel: String, action: String, target: String,
        before: String?, after: String?, previousHash: String, hash: String
    ) {
        self.sequence = sequence
        self.at = at
        self.actor = actor
        self.channel = channel
        self.action = action
        self.target = target
        self.before = before
        self.after = after
        self.previousHash = previousHash
        self.hash = hash
    }
}

/// Filters for reading the audit trail (`GET /admin/audit`), oldest first.
public struct AdminAuditQuery: Sendable, Hashable {
    public var afterSequence: Int64
    public var limit: Int
    public var actor: String?
    public var action: String?
    /// Exact target, or a prefix when it ends with `*` (e.g. `key:*`).
    public var target: String?
    public var from: Date?
    public var to: Date?

    public init(
        afterSequence: Int64 = 0, limit: Int = 100, actor: String? = nil, action: String? = nil, target: String? = nil,
        from: Date? = nil, to: Date? = nil
    ) {
        self.afterSequence = afterSequence
        self.limit = limit
        self.actor = actor
        self.action = action
        self.target = target
        self.from = from
        self.to = to
    }
}
