/// A machine-readable error code or call-record error class: a closed set of static members
/// (this file and its `ErrorCode+…` extensions), spelled on the wire and in records by
/// `rawValue`. Not `ExpressibleByStringLiteral`, so a literal cannot stand in for one; the only
/// other way in is `init(rawValue:)`, kept for values the gateway passes through from elsewhere
/// (a vendor's error type, a policy decision's reason, an upstream status): such a site says so.
public struct ErrorCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public var description: String { rawValue }
}

/// Codes the client sees in an error body (`error.code`) or an in-band stream error.
extension ErrorCode {
    // MARK: Request validation (400)

    /// The request is invalid in a way no more precise code names (the default).
    public static let invalidRequest = ErrorCode(rawValue: "invalid_request")
    /// The body is not valid JSON (or has a duplicate key where that is refused).
    public static let invalidJSON = ErrorCode(rawValue: "invalid_json")
    /// A member has the wrong JSON type.
    public static let invalidType = ErrorCode(rawValue: "invalid_type")
    /// A required member is absent.
    public static let missingRequiredParameter = ErrorCode(rawValue: "missing_required_parameter")
    /// A string member is longer than allowed (`model`).
    public static let stringAboveMaxLength = ErrorCode(rawValue: "string_above_max_length")
    /// An integer member is above its maximum (`n`, token limits).
    public static let integerAboveMaxValue = ErrorCode(rawValue: "integer_above_max_value")
    /// An integer member is below its minimum (`n`).
    public static let integerBelowMinValue = ErrorCode(rawValue: "integer_below_min_value")
    /// An argument the gateway does not support (or supports only in another form).
    public static let invalidRequestArgument = ErrorCode(rawValue: "invalid_request_argument")
    /// The body exceeds the gateway's limit (413), or the upstream answered 413.
    public static let requestTooLarge = ErrorCode(rawValue: "request_too_large")
    /// The alias prices no call, and a USD budget applies.
    public static let modelUnpriced = ErrorCode(rawValue: "model_unpriced")
    /// The alias has no deployment that serves embeddings.
    public static let embeddingsNotSupported = ErrorCode(rawValue: "embeddings_not_supported")
    /// A request or response guardrail blocked the call (also in-band in a stream).
    public static let guardrailBlocked = ErrorCode(rawValue: "guardrail_blocked")
    /// The upstream's safety system blocked the prompt or the answer (Azure's spelling).
    public static let contentFiltered = ErrorCode(rawValue: "content_filter")
    /// The upstream refused the request itself (a 4xx another deployment would repeat).
    public static let upstreamRejectedRequest = ErrorCode(rawValue: "upstream_rejected_request")

    // MARK: Identity (401/403)

    /// The virtual key is unknown, revoked, expired or past its rotation grace.
    public static let invalidAPIKey = ErrorCode(rawValue: "invalid_api_key")
    /// No virtual key was sent.
    public static let missingAPIKey = ErrorCode(rawValue: "missing_api_key")
    /// A workload identity document (JWT-SVID, X.509-SVID) was refused.
    public static let invalidSVID = ErrorCode(rawValue: "invalid_svid")
    /// The SVID is valid but names no registered workload.
    public static let unknownWorkload = ErrorCode(rawValue: "unknown_workload")
    /// No AgentPolicy applies to the workload (403).
    public static let noPolicyForIdentity = ErrorCode(rawValue: "no_policy_for_identity")

    // MARK: Models, limits and budgets (404/429)

    /// An alias that is not configured, or that the caller may not use (one answer for both).
    public static let modelNotFound = ErrorCode(rawValue: "model_not_found")
    /// A rate limit of the key's chain, or of every deployment, refused the call.
    public static let rateLimitExceeded = ErrorCode(rawValue: "rate_limit_exceeded")
    /// A budget (scope chain, provider, deployment, workload day) cannot hold the call.
    public static let budgetExceeded = ErrorCode(rawValue: "budget_exceeded")

    // MARK: Gateway and upstream failures (5xx)

    /// No deployment of the alias is available (drained, none configured, all skipped).
    public static let noDeploymentAvailable = ErrorCode(rawValue: "no_deployment_available")
    /// Every deployment failed (the default of `GatewayError.upstreamFailed`).
    public static let upstreamError = ErrorCode(rawValue: "upstream_error")
    /// Every deployment timed out (504).
    public static let upstreamTimeout = ErrorCode(rawValue: "upstream_timeout")
    /// The call record could not be made durable (strict evidence): the call is refused.
    public static let evidenceUnavailable = ErrorCode(rawValue: "evidence_unavailable")
    /// An unexpected failure inside the gateway (500).
    public static let internalError = ErrorCode(rawValue: "internal_error")

    // MARK: Routing (also admin)

    /// No such route, or (admin) no such entity.
    public static let notFound = ErrorCode(rawValue: "not_found")
    /// The route exists but not for this method (405).
    public static let methodNotAllowed = ErrorCode(rawValue: "method_not_allowed")
}
