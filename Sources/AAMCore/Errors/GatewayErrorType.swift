/// The `type` of an error the gateway answers with (OpenAI's `error.type`, Anthropic's
/// `error.type`): a closed set, spelled on the wire by its raw value.
public enum GatewayErrorType: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    // MARK: OpenAI error types (the gateway's own errors, and vendor types mapped onto them)

    /// The request is at fault (bad body, unknown model, guardrail block, upstream rejection).
    case invalidRequestError = "invalid_request_error"
    /// No key, or a key (or workload identity) the gateway does not accept.
    case authenticationError = "authentication_error"
    /// The caller is known but may not do this (no AgentPolicy for the workload).
    case permissionError = "permission_error"
    /// A rate limit (the gateway's or every deployment's) refused the call.
    case rateLimitError = "rate_limit_error"
    /// A budget cannot hold the call (`budget_exceeded`, OpenAI's quota type).
    case insufficientQuota = "insufficient_quota"
    /// The gateway or the upstreams failed (no deployment, all failed, evidence unavailable).
    case apiError = "api_error"
    /// OpenAI's type for an upstream server failure (Anthropic `api_error`/`overloaded_error` mapped to OpenAI).
    case serverError = "server_error"

    // MARK: Anthropic-only error types (`ErrorShape.anthropicType`, vendor types mapped to Anthropic)

    /// Anthropic 404.
    case notFoundError = "not_found_error"
    /// Anthropic 413.
    case requestTooLarge = "request_too_large"
    /// Anthropic 529.
    case overloadedError = "overloaded_error"

    public var description: String { rawValue }
}
