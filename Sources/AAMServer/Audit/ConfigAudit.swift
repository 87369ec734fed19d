import AAMCore
import Foundation

/// Turns a configuration change into audit drafts: one per entity whose masked document
/// changed, targeted `kind:id` (e.g. `key:key_ab12`, `provider:openai-main`,
/// `guardrail:org:acme`), with the entity before and after as canonical masked JSON.
enum ConfigAudit {
    /// An extra entry a change records beside its entities (e.g. the master key of a re-wrap).
    struct Note: Sendable {
        var target: String
        var before: String?
        var after: String?
    }

    /// The drafts of committing `new` over `old`. A change that alters no visible entity still
    /// leaves one entry (its action and target, no documents), so every accepted admin call
    /// shows in the trail.
    static func drafts(
        from old: ConfigState, to new: ConfigState, changed: [(EntityKind, String)], actor: String, action: String, target: String,
        notes: [Note] = []
    ) throws -> [AuditDraft] {
        var seen = Set<String>()
        var drafts: [AuditDraft] = []
        let touched = changed.map { (kind: $0.0, id: $0.1, target: "\($0.0.rawValue):\($0.1)") }.sorted { $0.target < $1.target }
        for entity in touched where seen.insert(entity.target).inserted {
            let before = AuditDocument.canonical(try old.document(of: entity.kind, id: entity.id))
            let after = AuditDocument.canonical(try new.document(of: entity.kind, id: entity.id))
            guard before != after else { continue }
            drafts.append(AuditDraft(actor: actor, action: action, target: entity.target, before: before, after: after))
        }
        for note in notes {
            drafts.append(AuditDraft(actor: actor, action: action, target: note.target, before: note.before, after: note.after))
        }
        if drafts.isEmpty { drafts.append(AuditDraft(actor: actor, action: action, target: target)) }
        return drafts
    }

    /// The draft of replacing the price table, or nil when nothing changes.
    static func pricing(actor: String, action: String, old: [ModelPrice], new: [ModelPrice]) -> AuditDraft? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        encoder.dateEncodingStrategy = .iso8601
        let before = AuditDocument.canonical(try? encoder.encode(old))
        let after = AuditDocument.canonical(try? encoder.encode(new))
        guard before != after else { return nil }
        return AuditDraft(actor: actor, action: action, target: "pricing", before: before, after: after)
    }

    static let unavailable = AdminError(
        status: 503, "the admin audit trail could not be written, so the change was not applied; retry when the store is reachable",
        code: .auditUnavailable)
}

extension ConfigRegistry {
    /// Makes `drafts` durable in the audit trail before the change they describe is applied,
    /// or refuses the change with 503 `audit_unavailable`. No-op when no audit log is attached
    /// (unit tests that build a bare registry).
    func recordAudit(_ drafts: [AuditDraft]) async throws(AdminError) {
        guard let audit, !drafts.isEmpty else { return }
        do {
            try await audit.append(drafts)
        } catch {
            throw ConfigAudit.unavailable
        }
    }

    /// The actor an audit entry names: the admin request's (API, CLI), else the caller's.
    nonisolated func auditActor(_ actor: String) -> String { AuditActorContext.requestActor ?? actor }
}
