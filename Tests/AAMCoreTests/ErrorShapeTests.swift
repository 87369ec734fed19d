import AAMCore
import Foundation
import Testing

private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

@Suite("ErrorShape")
struct ErrorShapeTests {
    @Test("OpenAI body is exactly {\"error\":{message,type,code,param}}")
    func openAIExact() {
        let error = GatewayError.modelNotFound("fast")
        #expect(
            text(ErrorShape.openAI.body(for: error))
                == #"{"error":{"message":"The model `fast` does not exist or you do not have access to it.","type":"invalid_request_error","code":"model_not_found","param":"model"}}"#
        )
    }

    @Test("OpenAI body writes null for a missing code and param")
    func openAINulls() {
        let error = GatewayError(status: 500, type: .apiError, code: nil, message: "boom")
        #expect(text(ErrorShape.openAI.body(for: error)) == #"{"error":{"message":"boom","type":"api_error","code":null,"param":null}}"#)
        #expect(
            text(ErrorShape.openAI.body(for: .missingKey))
                == #"{"error":{"message":"Missing API key. Send Authorization: Bearer sk-aam-… (or x-api-key on /v1/messages).","type":"authentication_error","code":"missing_api_key","param":null}}"#
        )
    }

    @Test("Anthropic body is exactly {\"type\":\"error\",\"error\":{type,message}}")
    func anthropicExact() {
        let error = GatewayError.invalidKey(.revoked)
        #expect(
            text(ErrorShape.anthropic.body(for: error))
                == #"{"type":"error","error":{"type":"authentication_error","message":"This API key has been revoked."}}"#)
    }

    @Test(
        "messages with quotes, backslashes, newlines and control characters stay valid JSON",
        arguments: [ErrorShape.openAI, .anthropic])
    func escaping(shape: ErrorShape) throws {
        let message = "bad \"model\" \\ path\nline two\r\t\u{1} é 😀"
        let error = GatewayError.invalidRequest(message, param: "we\"ird")
        let body = shape.body(for: error)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
        let inner = try #require(object["error"] as? [String: Any])
        #expect(inner["message"] as? String == message)
        if shape == .openAI {
            #expect(inner["param"] as? String == "we\"ird")
            #expect(Set(object.keys) == ["error"])
            #expect(Set(inner.keys) == ["message", "type", "code", "param"])
        } else {
            #expect(object["type"] as? String == "error")
            #expect(Set(object.keys) == ["type", "error"])
            #expect(Set(inner.keys) == ["type", "message"])
        }
        #expect(!body.contains(0x0A) && !body.contains(0x0D) && !body.contains(0x01), "no raw control characters")
        #expect(text(body).contains(#"bad \"model\" \\ path\nline two\r\t\u0001"#))
    }

    @Test(
        "Anthropic error type per status",
        arguments: [
            (400, "invalid_request_error"), (405, "invalid_request_error"), (422, "invalid_request_error"),
            (401, "authentication_error"), (403, "permission_error"), (404, "not_found_error"),
            (413, "request_too_large"), (429, "rate_limit_error"), (529, "overloaded_error"), (500, "api_error"),
            (502, "api_error"), (503, "api_error"), (504, "api_error"),
        ])
    func anthropicTypes(status: Int, type: String) throws {
        let error = GatewayError(status: status, type: .serverError, code: .internalError, message: "m")
        #expect(ErrorShape.anthropicType(for: error).rawValue == type)
        let body = ErrorShape.anthropic.body(for: error)
        #expect(text(body) == #"{"type":"error","error":{"type":"\#(type)","message":"m"}}"#)
    }

    @Test("the built-in errors carry the documented statuses and codes")
    func builtInErrors() {
        #expect(GatewayError.invalidKey(.unknown).status == 401)
        #expect(GatewayError.invalidKey(.expired).message == "This API key has expired.")
        #expect(GatewayError.invalidKey(.unknown).code == .invalidAPIKey)
        // Not allowed is answered exactly like unknown; only the record's class differs.
        #expect(ErrorShape.openAI.body(for: .modelNotAllowed("x")) == ErrorShape.openAI.body(for: .modelNotFound("x")))
        #expect(ErrorShape.anthropic.body(for: .modelNotAllowed("x")) == ErrorShape.anthropic.body(for: .modelNotFound("x")))
        #expect(GatewayError.modelNotAllowed("x").status == 404)
        #expect(GatewayError.modelNotAllowed("x").errorClass == "model_not_allowed")
        #expect(GatewayError.modelNotFound("x").errorClass == "model_not_found")
        #expect(GatewayError.bodyTooLarge(limit: 10).status == 413)
        #expect(GatewayError.noDeployment("x", skipped: []).status == 503)
        #expect(GatewayError.upstreamFailed(status: 429, message: "slow down", retryAfter: 3).type == .rateLimitError)
        #expect(GatewayError.upstreamFailed(status: 429, message: "slow down", retryAfter: 3).retryAfterSeconds == 3)
        #expect(GatewayError.upstreamFailed(status: 502, message: "bad gateway").type == .apiError)
        #expect(GatewayError.internalError("req_1").message == "Internal error (request req_1).")
        #expect(GatewayError.methodNotAllowed("PUT").status == 405)
        #expect(GatewayError.notFound.status == 404)
    }
}
