import AAMCore
import Testing

private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

/// The typed codes (issue 15) change no byte on the wire: each member spells the string the
/// gateway sent before, and `ErrorShape` renders every shape of error exactly as before.
@Suite("ErrorCode")
struct ErrorCodeTests {
    @Test(
        "codes are spelled on the wire and in records as before",
        arguments: [
            (ErrorCode.invalidJSON, "invalid_json"), (.invalidType, "invalid_type"),
            (.missingRequiredParameter, "missing_required_parameter"), (.rateLimitExceeded, "rate_limit_exceeded"),
            (.budgetExceeded, "budget_exceeded"), (.modelNotFound, "model_not_found"), (.invalidAPIKey, "invalid_api_key"),
            (.invalidSVID, "invalid_svid"), (.modelNotAllowed, "model_not_allowed"),
            (.modelNotAllowedByPolicy, "model_not_allowed_by_policy"), (.clientCancelled, "client_cancelled"),
            (.clientDisconnected, "client_disconnected"), (.rateLimited, "rate_limited"), (.timeout, "timeout"),
            (.connectionError, "connection_error"), (.credentialUnavailable, "credential_unavailable"),
            (.upstreamStatus(503), "upstream_503"), (.upstreamStreamTruncated, "upstream_stream_truncated"),
            (.notFound, "not_found"), (.conflict, "conflict"), (.storeUnavailable, "store_unavailable"),
        ])
    func codeSpelling(code: ErrorCode, raw: String) {
        #expect(code.rawValue == raw)
        #expect("\(code)" == raw)
        #expect(ErrorCode(rawValue: raw) == code)
    }

    @Test("error types are spelled as OpenAI and Anthropic spell them")
    func typeSpelling() {
        let spelled = GatewayErrorType.allCases.map(\.rawValue)
        #expect(spelled == [
            "invalid_request_error", "authentication_error", "permission_error", "rate_limit_error", "insufficient_quota",
            "api_error", "server_error", "not_found_error", "request_too_large", "overloaded_error",
        ])
    }

    @Test("a record's class reads and writes through the typed view; unknown classes survive")
    func recordView() {
        var attempt = CallRecord.Attempt(deployment: "d", provider: "p", status: 429, errorClass: "rate_limited", latencyMs: 1)
        #expect(attempt.errorCode == .rateLimited)
        attempt.errorCode = .upstreamStatus(502)
        #expect(attempt.errorClass == "upstream_502")
        attempt.errorClass = "a_class_from_an_older_build"
        #expect(attempt.errorCode?.rawValue == "a_class_from_an_older_build")
        attempt.errorCode = nil
        #expect(attempt.errorClass == nil)
    }

    @Test("the record class of a hidden refusal is the precise one; the client's code stays model_not_found")
    func recordedClass() {
        let hidden = GatewayError.modelNotAllowed("x", recordedAs: .modelNotAllowedByPolicy)
        #expect(hidden.code == .modelNotFound)
        #expect(hidden.recordCode == .modelNotAllowedByPolicy)
        #expect(hidden.errorClass == "model_not_allowed_by_policy")
        #expect(GatewayError.budgetExceeded("m", retryAfterSeconds: nil).errorClass == "budget_exceeded")
    }

    @Test(
        "ErrorShape bytes are unchanged for each kind of error",
        arguments: [
            (
                GatewayError.budgetExceeded("The daily budget of w is exhausted.", retryAfterSeconds: 5),
                #"{"error":{"message":"The daily budget of w is exhausted.","type":"insufficient_quota","code":"budget_exceeded","param":null}}"#,
                #"{"type":"error","error":{"type":"rate_limit_error","message":"The daily budget of w is exhausted."}}"#
            ),
            (
                GatewayError.rateLimitExceeded("Rate limit reached for key k: 1 requests per minute.", retryAfterSeconds: 1),
                #"{"error":{"message":"Rate limit reached for key k: 1 requests per minute.","type":"rate_limit_error","code":"rate_limit_exceeded","param":null}}"#,
                #"{"type":"error","error":{"type":"rate_limit_error","message":"Rate limit reached for key k: 1 requests per minute."}}"#
            ),
            (
                GatewayError.invalidRequest("Invalid type for 'n': expected a positive integer.", param: "n", code: .invalidType),
                #"{"error":{"message":"Invalid type for 'n': expected a positive integer.","type":"invalid_request_error","code":"invalid_type","param":"n"}}"#,
                #"{"type":"error","error":{"type":"invalid_request_error","message":"Invalid type for 'n': expected a positive integer."}}"#
            ),
            (
                GatewayError.modelNotAllowed("gpt"),
                #"{"error":{"message":"The model `gpt` does not exist or you do not have access to it.","type":"invalid_request_error","code":"model_not_found","param":"model"}}"#,
                #"{"type":"error","error":{"type":"not_found_error","message":"The model `gpt` does not exist or you do not have access to it."}}"#
            ),
            (
                GatewayError.bodyTooLarge(limit: 10),
                #"{"error":{"message":"Request body exceeds the limit of 10 bytes.","type":"invalid_request_error","code":"request_too_large","param":null}}"#,
                #"{"type":"error","error":{"type":"request_too_large","message":"Request body exceeds the limit of 10 bytes."}}"#
            ),
            (
                GatewayError.noDeployment("chat", skipped: []),
                #"{"error":{"message":"No deployment of 'chat' is available. Skipped: none configured.","type":"api_error","code":"no_deployment_available","param":null}}"#,
                #"{"type":"error","error":{"type":"api_error","message":"No deployment of 'chat' is available. Skipped: none configured."}}"#
            ),
            (
                GatewayError.upstreamFailed(status: 504, message: "All deployments for 'chat' failed.", code: .upstreamTimeout),
                #"{"error":{"message":"All deployments for 'chat' failed.","type":"api_error","code":"upstream_timeout","param":null}}"#,
                #"{"type":"error","error":{"type":"api_error","message":"All deployments for 'chat' failed."}}"#
            ),
            (
                GatewayError(status: 401, type: .authenticationError, code: .invalidSVID, message: "Workload identity refused: expired."),
                #"{"error":{"message":"Workload identity refused: expired.","type":"authentication_error","code":"invalid_svid","param":null}}"#,
                #"{"type":"error","error":{"type":"authentication_error","message":"Workload identity refused: expired."}}"#
            ),
        ])
    func shapeBytes(error: GatewayError, openAI: String, anthropic: String) {
        #expect(text(ErrorShape.openAI.body(for: error)) == openAI)
        #expect(text(ErrorShape.anthropic.body(for: error)) == anthropic)
    }
}
