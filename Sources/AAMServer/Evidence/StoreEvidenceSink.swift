import AAMCore

/// Evidence written straight into the stores, durable once their write returns: used when there
/// is no spool (the in-memory database).
struct StoreEvidenceSink: EvidenceSink {
    let calls: any CallRecordStore
    let audit: (any AdminAuditStore)?

    func appendDurably(_ items: [EvidenceItem]) async throws {
        var records: [CallRecord] = []
        var entries: [AdminAuditEntry] = []
        for item in items {
            switch item {
            case .call(let record): records.append(record)
            case .audit(let entry): entries.append(entry)
            }
        }
        if !records.isEmpty { try await calls.append(records) }
        if !entries.isEmpty {
            guard let audit else { throw StartupError("audit entries need an audit store") }
            try await audit.appendAudit(entries)
        }
    }
}
