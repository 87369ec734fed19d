import AAMCore

/// Evidence written straight into the store: an audit entry is durable once the store's
/// transaction committed. Used with the in-memory store, in tests, and until a spool is wired.
public struct DirectEvidenceSink: EvidenceSink {
    let audit: any AdminAuditStore
    let calls: (any CallRecordStore)?

    public init(audit: any AdminAuditStore, calls: (any CallRecordStore)? = nil) {
        self.audit = audit
        self.calls = calls
    }

    public func appendDurably(_ items: [EvidenceItem]) async throws {
        var entries: [AdminAuditEntry] = []
        var records: [CallRecord] = []
        for item in items {
            switch item {
            case .audit(let entry): entries.append(entry)
            case .call(let record): records.append(record)
            }
        }
        if !entries.isEmpty { try await audit.appendAudit(entries) }
        if !records.isEmpty, let calls { try await calls.append(records) }
    }
}
