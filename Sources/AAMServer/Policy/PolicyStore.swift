import AAMConfig
import AAMCore
import Foundation

/// Applying and deleting AgentPolicies through the single config writer: each change is
/// audited (`ConfigRegistry.commit`), persisted as a `policy` entity, versioned, and the compiled
/// policy set is rebuilt and swapped.
///
/// Versioning: the first text applied under a name is version 1; applying a text that decodes
/// to a different policy bumps the version; re-applying an equivalent text (same meaning, any
/// formatting) changes nothing and keeps the version, so `aam policy apply` is idempotent and a
/// version always names one meaning. A delete leaves a tombstone holding the last version, so a
/// re-created policy continues the count and no version number is ever reused for a name.
extension ConfigRegistry {
    /// What applying a policy did.
    struct PolicyApplied: Sendable {
        var policy: AgentPolicy
        var stored: StoredPolicy
        var created: Bool
        var changed: Bool
    }

    /// Validates `text` (YAML or JSON) as an AgentPolicy and applies it.
    func applyPolicy(text: String, actor: String) async throws -> PolicyApplied {
        let policy = try Self.loadPolicy(text)
        let now = clock.now()
        return try await mutate(actor: actor, action: "policy.apply", target: "policy:\(policy.name)") { state throws(AdminError) in
            let applied = Self.stagePolicy(policy, document: text, in: &state, now: now)
            return (applied, applied.changed ? [(.policy, policy.name)] : [])
        }
    }

    /// Puts `policy` (decoded from `document`) into `state` with the versioning rules above:
    /// an equivalent active policy is kept as it is (same version, same stored text); anything
    /// else is stored as the next version. Shared by `PUT /admin/policies` and the config file,
    /// so a SIGHUP that re-applies an unchanged file never bumps a version.
    nonisolated static func stagePolicy(_ policy: AgentPolicy, document: String, in state: inout ConfigState, now: Date) -> PolicyApplied {
        var policy = policy
        let name = policy.name
        let existing = state.policies[name]
        if let existing, existing.isActive, var current = try? PolicyHolder.decode(existing) {
            current.version = existing.version
            policy.version = existing.version
            if current == policy {
                return PolicyApplied(policy: policy, stored: existing, created: false, changed: false)
            }
        }
        let version = (existing?.version ?? 0) + 1
        policy.version = version
        let stored = StoredPolicy(name: name, version: version, document: document, updatedAt: now)
        state.policies[name] = stored
        return PolicyApplied(policy: policy, stored: stored, created: existing?.isActive != true, changed: true)
    }

    /// Deletes the policy `name` (its workloads fall back to the other policies, or default deny).
    func deletePolicy(_ name: String, actor: String) async throws {
        let now = clock.now()
        try await mutate(actor: actor, action: "policy.delete", target: "policy:\(name)") { state throws(AdminError) in
            guard var stored = state.policies[name], stored.isActive else { throw AdminError.notFound("policy '\(name)'") }
            stored.deletedAt = now
            stored.updatedAt = now
            state.policies[name] = stored
            return ((), [(.policy, name)])
        }
    }

    /// Loads a policy document, turning located errors into a 400 naming the first field
    /// (every problem is listed in the message, with its line and column).
    nonisolated static func loadPolicy(_ text: String) throws(AdminError) -> AgentPolicy {
        guard !text.allSatisfy(\.isWhitespace) else { throw AdminError("an AgentPolicy document (YAML or JSON) is required", field: "body") }
        do {
            return try PolicyLoader.load(text: text, file: "body")
        } catch {
            throw policyError(error)
        }
    }

    nonisolated static func policyError(_ errors: ConfigErrors) -> AdminError {
        func located(_ error: ConfigError) -> String {
            guard let line = error.line else { return error.message }
            return "\(error.message) (line \(line)\(error.column.map { ", column \($0)" } ?? ""))"
        }
        guard let first = errors.errors.first else { return AdminError("not a valid AgentPolicy", field: "body") }
        var message = located(first)
        let rest = errors.errors.dropFirst()
        if !rest.isEmpty {
            message += "; also " + rest.map { ($0.field.isEmpty ? "" : "\($0.field): ") + located($0) }.joined(separator: "; ")
        }
        return AdminError(message, field: first.field.isEmpty ? "body" : first.field, code: .invalidPolicy)
    }
}
