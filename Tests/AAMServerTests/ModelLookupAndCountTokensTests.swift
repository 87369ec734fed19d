import AAMCore
import AAMTesting
import Foundation
import Testing

@testable import AAMServer

/// The two client endpoints SDKs call besides the model calls: `GET /v1/models/{id}`
/// (`client.models.retrieve`) and Anthropic's `POST /v1/messages/count_tokens`.
@Suite("Model lookup and count_tokens", .serialized)
struct ModelLookupAndCountTokensTests {
    @Test func aModelTheKeyMayUseIsRetrievedOthersAreNotFoundAlike() async throws {
        try await withGateway { gateway in
            try await gateway.addSimulatedAliases(["chat", "premium", "fast"])
            let limited = try await gateway.issueKey(extra: #""models":["chat","fast"]"#)
            let reply = try await gateway.send(.GET, "/v1/models/chat", headers: [("authorization", "Bearer \(limited.secret)")])
            #expect(reply.status == 200, "\(reply.text)")
            let object = try #require(reply.jsonObject())
            #expect(object["id"] as? String == "chat")
            #expect(object["object"] as? String == "model")
            #expect(reply.header("x-request-id") != nil)
            // Anthropic clients present the key as `x-api-key`.
            let viaXAPIKey = try await gateway.send(.GET, "/v1/models/fast", headers: [("x-api-key", limited.secret)])
            #expect(viaXAPIKey.status == 200, "\(viaXAPIKey.text)")
            #expect(try #require(viaXAPIKey.jsonObject())["id"] as? String == "fast")
            // Deeper paths are no model of this key.
            try await gateway.send(.GET, "/v1/models/chat/extra", headers: [("x-api-key", limited.secret)])
                .expectOpenAIError(404, type: "invalid_request_error", code: "model_not_found")

            // Not allowed and not configured: the same 404, naming only what was asked.
            let hidden = try await gateway.send(.GET, "/v1/models/premium", headers: [("authorization", "Bearer \(limited.secret)")])
            let missing = try await gateway.send(.GET, "/v1/models/nope", headers: [("authorization", "Bearer \(limited.secret)")])
            hidden.expectOpenAIError(404, type: "invalid_request_error", code: "model_not_found", messageContains: ["premium"])
            missing.expectOpenAIError(404, type: "invalid_request_error", code: "model_not_found", messageContains: ["nope"])
            #expect(hidden.text.replacingOccurrences(of: "premium", with: "X") == missing.text.replacingOccurrences(of: "nope", with: "X"))
            try await gateway.send(.GET, "/v1/models/chat").expectOpenAIError(401, type: "authentication_error", code: "missing_api_key")
        }
    }

    @Test func countTokensIsTheLocalEstimateAndCallsNoVendor() async throws {
        let fake = try await FakeUpstream.start(apiKey: "sk-vendor")
        defer { Task { await fake.stop() } }
        try await withGateway { gateway in
            try await gateway.addProvider("vendor", protocol: "anthropic", baseURL: fake.baseURL, credential: "sk-vendor")
            try await gateway.addDeployment(alias: "claude", provider: "vendor", model: "claude-sonnet-4-20250514")
            let key = try await gateway.issueKey().secret
            let body = #"{"model":"claude","system":"Be brief.","messages":[{"role":"user","content":"How many tokens is this sentence?"}]}"#
            let reply = try await gateway.send(.POST, "/v1/messages/count_tokens", body: Array(body.utf8), headers: [("x-api-key", key)])
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.header("x-aam-token-count") == "estimated")
            let object = try #require(reply.jsonObject())
            #expect(object["input_tokens"] as? Int == EarlyEndSettlement.promptEstimate(bodyBytes: body.utf8.count))
            #expect((object["input_tokens"] as? Int ?? 0) > 0)
            #expect(await fake.requestCount() == 0, "counting never reaches the vendor")

            try await gateway.send(.POST, "/v1/messages/count_tokens", body: Array(#"{"model":"other","messages":[]}"#.utf8), headers: [("x-api-key", key)])
                .expectAnthropicError(404, messageContains: ["other"])
            try await gateway.send(.POST, "/v1/messages/count_tokens", body: Array(#"{"model":"claude"}"#.utf8), headers: [("x-api-key", key)])
                .expectAnthropicError(400, messageContains: ["messages"])
            try await gateway.send(.POST, "/v1/messages/count_tokens", body: Array(#"{"model":"claude","messages":[]}"#.utf8))
                .expectAnthropicError(401)
            let wrongMethod = try await gateway.send(.GET, "/v1/messages/count_tokens", headers: [("x-api-key", key)])
            #expect(wrongMethod.status == 405)
            #expect(wrongMethod.header("allow") == "POST")
        }
    }
}
