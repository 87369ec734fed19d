import Foundation

/// A hash function over canonical bytes returning lowercase hex (SHA-256 in production, from
/// `AAMSecrets.AuditHasher`; AAMCore itself stays free of crypto libraries).
public typealias AuditHashFunction = @Sendable ([UInt8]) -> String

/// What an audited change says before it gets its place in the chain.
public struct AuditDraft: Sendable, Hashable {
    public var actor: String
    public var action: String
    public var target: String
    public var before: String?
    public var after: String?

    public init(actor: String, action: String, target: String, before: String? = nil, after: String? = nil) {
        self.actor = actor
        self.action = action
        self.target = target
        self.before = before
        self.after = after
    }
}

/// Builds chained audit entries: each one carries the link of the one before it.
///
/// Keyed (production): an entry's `hash` is `hmac-sha256:<key id>:<MAC>` over its canonical
/// form, which includes the previous entry's `hash`, so each MAC is HMAC(chain key, previous
/// MAC || entry) and only the holder of the chain key can write or rewrite a link. Unkeyed
/// (`init(hash:)`): the legacy SHA-256 chain, kept to verify entries written before keying.
public struct AuditChain: Sendable {
    /// The unkeyed hash (SHA-256): legacy links, and digests.
    public let hash: AuditHashFunction
    /// Keys new links when set.
    public let authenticator: (any EvidenceAuthenticator)?

    /// An unkeyed chain (legacy SHA-256 links; tests of the canonical form).
    public init(hash: @escaping AuditHashFunction) {
        self.hash = hash
        self.authenticator = nil
    }

    /// A keyed chain: new links are HMACs under the authenticator's current key.
    public init(authenticator: any EvidenceAuthenticator) {
        self.hash = { authenticator.digest($0) }
        self.authenticator = authenticator
    }

    /// The entry that follows `previous` (nil: the chain's first entry), at `at` rounded to the
    /// millisecond, with its channel derived from the actor and its hash computed.
    public func next(after previous: AdminAuditEntry?, at: Date, _ draft: AuditDraft) -> AdminAuditEntry {
        next(afterSequence: previous?.sequence ?? 0, previousHash: previous?.hash ?? AuditCanonicalForm.genesisHash, at: at, draft)
    }

    /// Like `next(after:)` when only the head (sequence and hash) of the chain is known.
    public func next(afterSequence: Int64, previousHash: String, at: Date, _ draft: AuditDraft) -> AdminAuditEntry {
        var entry = AdminAuditEntry(
            sequence: afterSequence + 1, at: AuditCanonicalForm.normalized(at), actor: draft.actor,
            channel: AuditChannel.of(actor: draft.actor), action: draft.action, target: draft.target, before: draft.before,
            after: draft.after, previousHash: previousHash, hash: "")
        entry.hash = link(of: entry)
        return entry
    }

    /// The link `entry` gets when written now: keyed when the chain is, else the SHA-256.
    public func link(of entry: AdminAuditEntry) -> String {
        let bytes = AuditCanonicalForm.bytes(of: entry)
        if let authenticator { return EvidenceMAC.current(bytes, authenticator) }
        return hash(bytes)
    }

    /// The unkeyed (legacy) hash `entry` should carry, recomputed from its content.
    public func expectedHash(of entry: AdminAuditEntry) -> String {
        hash(AuditCanonicalForm.bytes(of: entry))
    }
}

/// Which way a change came in, derived from the actor's prefix.
public enum AuditChannel {
    /// `admin:` -> `api`, `operator:` -> `console`; any other prefix is its own channel
    /// (`cli:` -> `cli`, `config:` -> `config`, `system` -> `system`).
    public static func of(actor: String) -> String {
        let prefix = actor.split(separator: ":", maxSplits: 1).first.map(String.init) ?? actor
        switch prefix {
        case "admin": return "api"
        case "operator": return "console"
        default: return prefix
        }
    }
}
