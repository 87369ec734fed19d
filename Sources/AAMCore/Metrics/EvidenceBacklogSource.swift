/// How much evidence (call records, audit events) waits in the local spool for the database.
///
/// The spool reports through this so `/metrics` can show `aam_spool_backlog_records` and
/// `aam_spool_backlog_bytes` without depending on it; a gateway without a spool reports zero.
public protocol EvidenceBacklogSource: Sendable {
    /// Records appended to the spool and not yet written to the database.
    var backlogRecords: Int { get }
    /// Bytes those records occupy in the spool.
    var backlogBytes: Int { get }
    /// Records quarantined since start (the database refused their content).
    var quarantinedCount: Int { get }
    /// Records in the quarantine now.
    var quarantineRecords: Int { get }
}

extension EvidenceBacklogSource {
    public var quarantinedCount: Int { 0 }
    public var quarantineRecords: Int { 0 }
}

/// The backlog of a gateway that has no spool: always empty.
public struct NoEvidenceBacklog: EvidenceBacklogSource {
    public init() {}
    public var backlogRecords: Int { 0 }
    public var backlogBytes: Int { 0 }
}
