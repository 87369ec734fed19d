import Foundation

/// A failure the client is told about, rendered in the inbound API's own error shape.
///
/// Messages never contain secrets, prompt text or matched content: they name fields, aliases
/// and what was tried.
public struct GatewayError: Error, Sendable, Equatable {
    public var status: Int
    /// OpenAI-style `type` (e.g. `invalid_request_error`).
    public var type: GatewayErrorType
    /// Machine-readable code (`invalid_api_key`, `model_not_found`, `rate_limit_exceeded`, …).
    public var code: ErrorCode?
    public var message: String
    public var param: String?
    /// Seconds the client should wait before retrying (`retry-after` header).
    public var retryAfterSeconds: Int?
    /// What the call record says when it is more precise than what the client may learn
    /// (`model_not_allowed` behind a `model_not_found`); never rendered.
    public var recordedClass: ErrorCode?

    /// What the call record says: the precise reason, else the client's code.
    public var recordCode: ErrorCode? { recordedClass ?? code }

    /// The call record's `errorClass` as stored (records keep strings).
    public var errorClass: String? { recordCode?.rawValue }

    public init(status: Int, type: GatewayErrorType, code: ErrorCode?, message: String, param: String? = nil, retryAfterSeconds: Int? = nil) {
        self.status = status
        self.type = type
        self.code = code
        self.message = message
        self.param = param
        self.retryAfterSeconds = retryAfterSeconds
    }

    public static func invalidRequest(_ message: String, param: String? = nil, code: ErrorCode? = .invalidRequest) -> Self {
        .init(status: 400, type: .invalidRequestError, code: code, message: message, param: param)
    }

    public static func invalidKey(_ refusal: KeyRefusal) -> Self {
        let message: String
        switch refusal {
        case .unknown: message = "Invalid API key. Use a virtual key issued by this gateway (Authorization: Bearer sk-aam-…)."
        case .revoked: message = "This API key has been revoked."
        case .expired: message = "This API key has expired."
        case .rotated: message = "This API key was rotated and its grace period is over; use the new key."
        }
        return .init(status: 401, type: .authenticationError, code: .invalidAPIKey, message: message)
    }

    public static let missingKey = GatewayError(
        status: 401, type: .authenticationError, code: .missingAPIKey,
        message: "Missing API key. Send Authorization: Bearer sk-aam-… (or x-api-key on /v1/messages).")

    /// An alias that is not configured, or that the caller may not use: one answer for both
    /// (OpenAI's), so a restricted key cannot tell the gateway's aliases from unknown names.
    public static func modelNotFound(_ alias: String) -> Self {
        .init(status: 404, type: .invalidRequestError, code: .modelNotFound,
              message: "The model `\(alias)` does not exist or you do not have access to it.", param: "model")
    }

    /// A configured alias the key (or a scope of its chain) is not allowed: answered exactly as
    /// an unknown alias; only the call record says `model_not_allowed`.
    public static func modelNotAllowed(_ alias: String, recordedAs reason: ErrorCode = .modelNotAllowed) -> Self {
        var error = modelNotFound(alias)
        error.recordedClass = reason
        return error
    }

    /// 429 `budget_exceeded` (OpenAI's `insufficient_quota` type): a budget of any kind (scope
    /// chain, provider, deployment, workload day) cannot hold the call; `message` names it.
    public static func budgetExceeded(_ message: String, retryAfterSeconds: Int?) -> Self {
        .init(status: 429, type: .insufficientQuota, code: .budgetExceeded, message: message, retryAfterSeconds: retryAfterSeconds)
    }

    /// 429 `rate_limit_exceeded`: a rate limit of the key's chain, or of every deployment,
    /// refused the call; `message` names it.
    public static func rateLimitExceeded(_ message: String, retryAfterSeconds: Int?) -> Self {
        .init(status: 429, type: .rateLimitError, code: .rateLimitExceeded, message: message, retryAfterSeconds: retryAfterSeconds)
    }

    public static func bodyTooLarge(limit: Int) -> Self {
        .init(status: 413, type: .invalidRequestError, code: .requestTooLarge,
              message: "Request body exceeds the limit of \(limit) bytes.")
    }

    /// 503 `no_deployment_available`: nothing could be tried; `skipped` names each deployment
    /// passed over and why.
    public static func noDeployment(_ alias: String, skipped: [String]) -> Self {
        .init(status: 503, type: .apiError, code: .noDeploymentAvailable,
              message: "No deployment of '\(alias)' is available. Skipped: \(skipped.isEmpty ? "none configured" : skipped.joined(separator: ", ")).")
    }

    public static func upstreamFailed(status: Int, message: String, code: ErrorCode = .upstreamError, retryAfter: Int? = nil) -> Self {
        .init(status: status, type: status == 429 ? .rateLimitError : .apiError, code: code, message: message,
              retryAfterSeconds: retryAfter)
    }

    public static let notFound = GatewayError(status: 404, type: .invalidRequestError, code: .notFound, message: "Not found.")

    public static func methodNotAllowed(_ method: String) -> Self {
        .init(status: 405, type: .invalidRequestError, code: .methodNotAllowed, message: "Method \(method) is not allowed here.")
    }

    public static func internalError(_ requestID: String) -> Self {
        .init(status: 500, type: .apiError, code: .internalError, message: "Internal error (request \(requestID)).")
    }
}

/// The two error shapes clients know.
public enum ErrorShape: Sendable {
    case openAI
    case anthropic

    public func body(for error: GatewayError) -> [UInt8] {
        var json = "{"
        switch self {
        case .openAI:
            json += "\"error\":{\"message\":" + jsonString(error.message)
            json += ",\"type\":" + jsonString(error.type.rawValue)
            json += ",\"code\":" + (error.code.map { jsonString($0.rawValue) } ?? "null")
            json += ",\"param\":" + (error.param.map(jsonString) ?? "null") + "}"
        case .anthropic:
            json += "\"type\":\"error\",\"error\":{\"type\":" + jsonString(Self.anthropicType(for: error).rawValue)
            json += ",\"message\":" + jsonString(error.message) + "}"
        }
        json += "}"
        return Array(json.utf8)
    }

    /// Anthropic's error `type` for a status (its documented set).
    public static func anthropicType(for error: GatewayError) -> GatewayErrorType {
        switch error.status {
        case 400, 405, 422: .invalidRequestError
        case 401: .authenticationError
        case 403: .permissionError
        case 404: .notFoundError
        case 413: .requestTooLarge
        case 429: .rateLimitError
        case 529: .overloadedError
        default: .apiError
        }
    }

    private func jsonString(_ value: String) -> String {
        String(decoding: JSONSplicer.quoted(value), as: UTF8.self)
    }
}
