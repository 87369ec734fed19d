/// Error classes only call records carry (`CallRecord.errorClass`, `CallRecord.Attempt.errorClass`),
/// plus the in-band codes of a stream that ended early (which are also its record's class).
extension ErrorCode {
    // MARK: Precise refusal reasons (behind a client-facing `model_not_found`)

    /// A configured alias the key (or a scope of its chain) may not use.
    public static let modelNotAllowed = ErrorCode(rawValue: "model_not_allowed")
    /// A configured alias the workload's AgentPolicy does not allow.
    public static let modelNotAllowedByPolicy = ErrorCode(rawValue: "model_not_allowed_by_policy")

    // MARK: The client went away

    /// The client cancelled before the answer started.
    public static let clientCancelled = ErrorCode(rawValue: "client_cancelled")
    /// The client disconnected during a stream.
    public static let clientDisconnected = ErrorCode(rawValue: "client_disconnected")

    // MARK: Upstream attempt classes (`CallRecord.Attempt`)

    /// The deployment answered 429 (it cools down until the vendor's reset).
    public static let rateLimited = ErrorCode(rawValue: "rate_limited")
    /// The deployment answered 529 (Anthropic's overloaded).
    public static let overloaded = ErrorCode(rawValue: "overloaded")
    /// The attempt timed out before an answer.
    public static let timeout = ErrorCode(rawValue: "timeout")
    /// The upstream could not be reached.
    public static let connectionError = ErrorCode(rawValue: "connection_error")
    /// The provider's credential could not be opened for this request.
    public static let credentialUnavailable = ErrorCode(rawValue: "credential_unavailable")
    /// The upstream refused the gateway's vendor credential (401/403).
    public static let upstreamAuthFailed = ErrorCode(rawValue: "upstream_auth_failed")
    /// The upstream refused the request signature's time (AWS SigV4 `Signature expired`): the
    /// gateway host's clock is off, not the credential.
    public static let upstreamClockSkew = ErrorCode(rawValue: "upstream_clock_skew")
    /// The upstream answered 404 (wrong model or URL on that deployment).
    public static let upstreamNotFound = ErrorCode(rawValue: "upstream_not_found")
    /// The prompt does not fit the deployment's context (a larger alias may serve it).
    public static let contextLengthExceeded = ErrorCode(rawValue: "context_length_exceeded")
    /// Reading the upstream's body failed.
    public static let upstreamBodyFailed = ErrorCode(rawValue: "upstream_body_failed")
    /// The upstream's body exceeded the gateway's limit.
    public static let upstreamBodyTooLarge = ErrorCode(rawValue: "upstream_body_too_large")
    /// The upstream's answer could not be translated.
    public static let upstreamInvalidResponse = ErrorCode(rawValue: "upstream_invalid_response")
    /// The upstream attempt failed for another reason (embeddings).
    public static let upstreamFailed = ErrorCode(rawValue: "upstream_failed")
    /// The deployment's URL is not a valid upstream URL.
    public static let invalidUpstreamURL = ErrorCode(rawValue: "invalid_upstream_url")
    /// The upstream answered a redirect (never followed).
    public static let upstreamRedirect = ErrorCode(rawValue: "upstream_redirect")

    /// The deployment answered this retryable status (408, 409, 425, 5xx): `upstream_<status>`.
    public static func upstreamStatus(_ status: Int) -> ErrorCode {
        ErrorCode(rawValue: "upstream_\(status)")
    }

    // MARK: Streams that ended early (record class and in-band `error.code`)

    /// Reading the upstream stream failed.
    public static let upstreamStreamFailed = ErrorCode(rawValue: "upstream_stream_failed")
    /// The upstream sent an error event in the stream.
    public static let upstreamStreamError = ErrorCode(rawValue: "upstream_stream_error")
    /// The upstream stream ended without its terminating event.
    public static let upstreamStreamTruncated = ErrorCode(rawValue: "upstream_stream_truncated")
    /// The stream outlasted the call's total timeout.
    public static let upstreamTotalTimeout = ErrorCode(rawValue: "upstream_total_timeout")

    // MARK: MCP gateway

    /// The MCP server failed to answer a forwarded message.
    public static let mcpUpstreamFailed = ErrorCode(rawValue: "mcp_upstream_failed")
    /// The tool called is not mapped in the catalog.
    public static let toolNotMapped = ErrorCode(rawValue: "tool_not_mapped")
    /// The tool mapping names its resource by an argument the call lacks.
    public static let resourceIdMissing = ErrorCode(rawValue: "resource_id_missing")
    /// The JSON-RPC body has a duplicate key.
    public static let duplicateJSONKey = ErrorCode(rawValue: "duplicate_json_key")
}
