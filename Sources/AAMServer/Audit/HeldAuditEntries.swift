import AAMCore

/// Admin audit entries that are durable but not in the store: those the evidence quarantine
/// holds because the database refused them (docs/EVIDENCE-QUARANTINE.md).
///
/// Why it matters: their sequences were handed out and later entries chain to their links. The
/// audit log's head must count them (a restart that read the head from the store alone would
/// hand a quarantined sequence out again, and the re-drive of the quarantined entry would then
/// be skipped as already present), and the verifier reads them in their place so the gap they
/// leave in the database is reported as known, not as a break.
public protocol HeldAuditEntries: Sendable {
    /// The held entries, intact (hash and all), in any order.
    func heldAuditEntries() async throws -> [AdminAuditEntry]
}

extension EvidenceWriter: HeldAuditEntries {
    public func heldAuditEntries() async throws -> [AdminAuditEntry] {
        guard let drainer else { return [] }
        return try await drainer.quarantine.entries().compactMap { held in
            if case .audit(let entry)? = held.item { entry } else { nil }
        }
    }
}
