import Foundation

/// One `AgentPolicy` as the broker keeps it: the document text as applied (YAML or JSON), the
/// version the broker assigned, and when it changed. The text is re-read (and validated) when
/// the policy set is compiled; keeping the text rather than a decoded form means a stored policy
/// reads exactly as its author wrote it, and `GET /admin/policies/NAME` can return it.
public struct StoredPolicy: Sendable, Hashable, Codable {
    /// `metadata.name`.
    public var name: String
    /// 1 for the first text applied under this name, +1 for each change (never reused, even
    /// after a delete: the tombstone keeps the last version).
    public var version: Int
    /// The document as applied.
    public var document: String
    public var updatedAt: Date
    /// Set when the policy was deleted: it no longer applies, and only its version is remembered.
    public var deletedAt: Date?

    public init(name: String, version: Int, document: String, updatedAt: Date, deletedAt: Date? = nil) {
        self.name = name
        self.version = version
        self.document = document
        self.updatedAt = updatedAt
        self.deletedAt = deletedAt
    }

    /// Whether the policy is in force (not deleted).
    public var isActive: Bool { deletedAt == nil }
}
