import Foundation

/// A virtual key as stored: never the secret, only its keyed hash and a display prefix.
public struct VirtualKey: Sendable, Hashable, Codable, Identifiable {
    public var id: String
    /// The first characters of the secret (`sk-aam-AbCd1234`), safe to display and log.
    public var prefix: String
    /// Hex HMAC-SHA-256 of the full secret under the server-side pepper.
    public var secretHash: String
    public var orgId: String
    public var teamId: String?
    public var projectId: String?
    public var name: String?
    public var createdAt: Date
    public var expiresAt: Date?
    public var revokedAt: Date?
    /// Aliases this key may use; nil means every alias.
    public var models: [String]?
    public var metadata: [String: String]
    /// After a rotation: the previous secret's hash, accepted until `graceUntil`.
    public var graceSecretHash: String?
    public var graceUntil: Date?
    public var lastRotatedAt: Date?
    /// When set, calls with this key are served only by deployments in this region
    /// (data-residency policy); other deployments are skipped with `region_mismatch`.
    public var requiredRegion: String?
    /// Governance (optional; absent in older stored JSON): budgets and per-minute limits.
    public var budgets: [Budget]?
    public var rpm: Int64?
    public var tpm: Int64?

    public init(
        id: String, prefix: String, secretHash: String, orgId: String, teamId: String? = nil,
        projectId: String? = nil, name: String? = nil, createdAt: Date, expiresAt: Date? = nil,
        revokedAt: Date? = nil, models: [String]? = nil, metadata: [String: String] = [:],
        graceSecretHash: String? = nil, graceUntil: Date? = nil, lastRotatedAt: Date? = nil, requiredRegion: String? = nil
    ) {
        self.requiredRegion = requiredRegion
        self.budgets = nil
        self.rpm = nil
        self.tpm = nil
        self.id = id
        self.prefix = prefix
        self.secretHash = secretHash
        self.orgId = orgId
        self.teamId = teamId
        self.projectId = projectId
        self.name = name
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.models = models
        self.metadata = metadata
        self.graceSecretHash = graceSecretHash
        self.graceUntil = graceUntil
        self.lastRotatedAt = lastRotatedAt
    }

    /// Why a presented key is refused, or nil when it is usable at `now`.
    /// - Parameter viaGraceSecret: the presented secret matched `graceSecretHash` (a rotated-out secret).
    public func refusal(at now: Date, viaGraceSecret: Bool = false) -> KeyRefusal? {
        if viaGraceSecret, graceUntil.map({ $0 <= now }) ?? true { return .rotated }
        if revokedAt.map({ $0 <= now }) ?? false { return .revoked }
        if expiresAt.map({ $0 <= now }) ?? false { return .expired }
        return nil
    }

    public func allows(alias: String) -> Bool {
        models.map { $0.contains(alias) } ?? true
    }
}

public enum KeyRefusal: String, Sendable, Equatable {
    case unknown, revoked, expired
    /// The secret was replaced by a rotation and its grace period is over.
    case rotated
}
