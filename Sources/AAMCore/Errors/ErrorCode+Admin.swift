/// Codes of the admin API's errors (`AdminError`), rendered in the OpenAI error shape. The
/// admin API also uses `invalidRequest`, `invalidJSON` and `notFound`.
extension ErrorCode {
    // MARK: Admin API

    /// The change conflicts with the current state (409).
    public static let conflict = ErrorCode(rawValue: "conflict")
    /// The shared database could not be read or written; retry when it is reachable (503).
    public static let storeUnavailable = ErrorCode(rawValue: "store_unavailable")
    /// The admin audit trail is not available or could not be written (503).
    public static let auditUnavailable = ErrorCode(rawValue: "audit_unavailable")
    /// The admin API is off: aamd runs without `AAM_ADMIN_TOKEN` (403).
    public static let adminDisabled = ErrorCode(rawValue: "admin_disabled")
    /// The admin token is missing or wrong (401).
    public static let invalidAdminToken = ErrorCode(rawValue: "invalid_admin_token")
    /// The secrets (credential sealing) subsystem failed (500).
    public static let secretsError = ErrorCode(rawValue: "secrets_error")
    /// Other replicas are live, so a master key rewrap cannot run (409).
    public static let replicasRunning = ErrorCode(rawValue: "replicas_running")
    /// An AgentPolicy document does not validate.
    public static let invalidPolicy = ErrorCode(rawValue: "invalid_policy")
}
