import AAMCore

/// What became of one batch sent to a SIEM receiver.
enum SIEMDeliveryResult: Sendable, Equatable {
    /// The receiver has it: remove the batch from the backlog.
    case delivered
    /// Transient (connection refused or reset, 429, 5xx, timeout): keep it, back off, retry.
    case retry(String)
    /// The receiver refuses our configuration (401/403 token, 404 path): keep it and retry
    /// with backoff, alarming on every failure. Never dropped: fixing the setting resumes export.
    case misconfigured(String)
    /// The receiver says these events are malformed (HEC 400): retrying cannot help. Dropped and
    /// counted, with an error logged.
    case rejected(String)
}

/// One way out for SIEM events. `deliver` is called by one task at a time, batches in order.
protocol SIEMTransport: Sendable {
    /// `syslog` or `hec`: the `sink` label in metrics and the name in `GET /admin/siem`.
    var name: String { get }
    /// Where it sends, for `GET /admin/siem` (never a token).
    var target: String { get }
    func deliver(_ events: [SIEMEvent]) async -> SIEMDeliveryResult
    func shutdown() async
}
