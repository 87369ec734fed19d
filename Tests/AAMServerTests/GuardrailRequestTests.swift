import AAMCore
import AAMTesting
import Foundation
import Testing

/// Request guardrails end to end: redaction reaches the vendor as placeholders, a block never
/// reaches it, on both inbound APIs.
@Suite("Guardrails: requests", .serialized)
struct GuardrailRequestTests {
    @Test func openAIRequestEmailIsRedactedBeforeTheVendor() async throws {
        try await GuardrailFixture.run { f in
            try await f.put("org:acme", #"{"request":{"email":"redact"}}"#)
            let subscription = f.gateway.gateway.runtime.bus.subscribe()
            defer { subscription.cancel() }
            let reply = try await f.openAI("please write to \(GuardrailFixture.email) today")
            #expect(reply.status == 200, "\(reply.text)")
            let sent = try #require(await f.received("/v1/chat/completions").first)
            #expect(sent.contains("[EMAIL]"))
            #expect(!sent.contains(GuardrailFixture.email))
            let record = try await GatewayHarness.record(try #require(reply.header("x-request-id")), on: subscription)
            #expect(record.guardrails == [GuardrailDecision(detector: .email, direction: .request, action: .redact, count: 1, location: "messages[0].content")])
            let encoded = String(decoding: try JSONEncoder().encode(record), as: UTF8.self)
            #expect(!encoded.contains(GuardrailFixture.email))
        }
    }

    @Test func anthropicRequestRedactsSystemBlocksAndToolResults() async throws {
        try await GuardrailFixture.run { f in
            try await f.put("org:acme", #"{"request":{"email":"redact"}}"#)
            let email = GuardrailFixture.email
            let body = #"""
                {"model":"claude","max_tokens":100,"system":[{"type":"text","text":"owner \#(email)"}],
                 "messages":[{"role":"user","content":"hi \#(email)"},
                  {"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"lookup","input":{"who":"\#(email)"}}]},
                  {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":[{"type":"text","text":"found \#(email)"}]},
                   {"type":"text","text":"and \#(email)?"}]}]}
                """#
            let reply = try await f.gateway.call("/v1/messages", key: f.key, json: body)
            #expect(reply.status == 200, "\(reply.text)")
            let sent = try #require(await f.received("/v1/messages").first)
            #expect(!sent.contains(email))
            #expect(sent.components(separatedBy: "[EMAIL]").count - 1 == 5, "\(sent)")
        }
    }

    @Test func openAIRequestRedactsPartsAndToolArguments() async throws {
        try await GuardrailFixture.run { f in
            try await f.put("org:acme", #"{"request":{"email":"redact"}}"#)
            let email = GuardrailFixture.email
            let arguments = GuardrailFixture.quoted(#"{"to":"\#(email)"}"#)
            let body = #"""
                {"model":"chat","messages":[{"role":"system","content":"admin is \#(email)"},
                 {"role":"user","content":[{"type":"text","text":"mail \#(email)"}]},
                 {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"send","arguments":\#(arguments)}}]},
                 {"role":"tool","tool_call_id":"c1","content":"sent to \#(email)"},
                 {"role":"user","content":"thanks"}]}
                """#
            let reply = try await f.gateway.call("/v1/chat/completions", key: f.key, json: body)
            #expect(reply.status == 200, "\(reply.text)")
            let sent = try #require(await f.received("/v1/chat/completions").first)
            #expect(!sent.contains(email))
            #expect(sent.components(separatedBy: "[EMAIL]").count - 1 == 4, "\(sent)")
        }
    }

    @Test func apiKeyBlocksOpenAIRequestWithoutReachingTheVendor() async throws {
        try await GuardrailFixture.run { f in
            try await f.put("org:acme", #"{"request":{"api_key":"block"}}"#)
            let reply = try await f.openAI("my key is \(GuardrailFixture.apiKey) ok")
            #expect(reply.status == 400)
            #expect(try reply.errorCode() == "guardrail_blocked")
            let message = try reply.errorMessage()
            #expect(message.contains("api_key"))
            #expect(!reply.text.contains(GuardrailFixture.apiKey))
            #expect(await f.fake.requestCount() == 0)
        }
    }

    @Test func apiKeyBlocksAnthropicRequestWithoutReachingTheVendor() async throws {
        try await GuardrailFixture.run { f in
            try await f.put("org:acme", #"{"request":{"api_key":"block"}}"#)
            let reply = try await f.anthropic("my key is \(GuardrailFixture.apiKey) ok")
            #expect(reply.status == 400)
            let error = try #require(try reply.json()["error"] as? [String: Any])
            #expect(error["type"] as? String == "invalid_request_error")
            let message = try reply.errorMessage()
            #expect(message.contains("guardrail_blocked") && message.contains("api_key"))
            #expect(!reply.text.contains(GuardrailFixture.apiKey))
            #expect(await f.fake.requestCount() == 0)
        }
    }

    @Test func keyBlockBeatsOrgRedact() async throws {
        try await GuardrailFixture.run { f in
            try await f.put("org:acme", #"{"request":{"email":"redact"}}"#)
            try await f.put("key:\(f.keyID)", #"{"request":{"email":"block"}}"#)
            let blocked = try await f.openAI("write to \(GuardrailFixture.email)")
            #expect(blocked.status == 400)
            #expect(try blocked.errorMessage().contains("'email'"))
            // Another key of the same org only gets the org's redaction.
            let other = try await f.gateway.issueKey()
            let redacted = try await f.openAI("write to \(GuardrailFixture.email)", key: other.secret)
            #expect(redacted.status == 200)
            #expect(await f.fake.requestCount() == 1)
        }
    }

    @Test func noPolicyLeavesTheBodyUntouched() async throws {
        try await GuardrailFixture.run { f in
            try await f.put("org:other", #"{"request":{"email":"block"}}"#)
            let reply = try await f.openAI("write to \(GuardrailFixture.email)")
            #expect(reply.status == 200)
            #expect(try #require(await f.received("/v1/chat/completions").first).contains(GuardrailFixture.email))
        }
    }
}
