import AAMCore
import AAMTesting
import Foundation
import Testing

/// Response guardrails end to end: the fake vendor echoes the prompt, the request policy lets
/// an e-mail through, the response policy redacts or blocks it on the way back.
@Suite("Guardrails: responses", .serialized)
struct GuardrailResponseTests {
    static let redact = #"{"request":{"email":"allow"},"response":{"email":"redact"}}"#
    static let block = #"{"response":{"email":"block"}}"#
    static var prompt: String { "write to \(GuardrailFixture.email) now" }

    @Test func plainOpenAIResponseIsRedacted() async throws {
        try await GuardrailFixture.run { f in
            try await f.put("org:acme", Self.redact)
            let subscription = f.gateway.gateway.runtime.bus.subscribe()
            defer { subscription.cancel() }
            let reply = try await f.openAI(Self.prompt)
            #expect(reply.status == 200, "\(reply.text)")
            #expect(try #require(await f.received("/v1/chat/completions").first).contains(GuardrailFixture.email))
            #expect(!reply.text.contains(GuardrailFixture.email))
            #expect(reply.text.contains("[EMAIL]"))
            let record = try await GatewayHarness.record(try #require(reply.header("x-request-id")), on: subscription)
            #expect(record.guardrails.map(\.location) == ["choices[0].message.content"])
            #expect(record.guardrails.first?.action == .redact)
        }
    }

    @Test func plainAnthropicResponseIsRedacted() async throws {
        try await GuardrailFixture.run { f in
            try await f.put("org:acme", Self.redact)
            let reply = try await f.anthropic(Self.prompt)
            #expect(reply.status == 200, "\(reply.text)")
            #expect(!reply.text.contains(GuardrailFixture.email))
            #expect(reply.text.contains("[EMAIL]"))
        }
    }

    @Test func plainResponseBlockBecomesTheGuardrailError() async throws {
        try await GuardrailFixture.run { f in
            try await f.put("org:acme", Self.block)
            let reply = try await f.openAI(Self.prompt)
            #expect(reply.status == 400)
            #expect(try reply.errorCode() == "guardrail_blocked")
            #expect(!reply.text.contains(GuardrailFixture.email))
        }
    }

    @Test func streamedOpenAIResponseIsRedacted() async throws {
        try await GuardrailFixture.run { f in
            try await f.put("org:acme", Self.redact)
            let subscription = f.gateway.gateway.runtime.bus.subscribe()
            defer { subscription.cancel() }
            let reply = try await f.openAI(Self.prompt, stream: true)
            #expect(reply.status == 200)
            #expect(!reply.text.contains(GuardrailFixture.email))
            let text = GuardrailFixture.streamedText(reply)
            #expect(text.hasSuffix("write to [EMAIL] now"), "\(text)")
            #expect(sseEvents(reply.text).last?.data == "[DONE]")
            let record = try await GatewayHarness.record(try #require(reply.header("x-request-id")), on: subscription)
            #expect(record.outcome == .success)
            #expect(record.guardrails == [GuardrailDecision(detector: .email, direction: .response, action: .redact, count: 1, location: "choices[0].delta.content")])
        }
    }

    @Test func streamedAnthropicResponseIsRedacted() async throws {
        try await GuardrailFixture.run { f in
            try await f.put("org:acme", Self.redact)
            let reply = try await f.anthropic(Self.prompt, stream: true)
            #expect(reply.status == 200)
            #expect(!reply.text.contains(GuardrailFixture.email))
            let text = GuardrailFixture.streamedText(reply)
            #expect(text.hasSuffix("write to [EMAIL] now"), "\(text)")
            #expect(sseEvents(reply.text).last?.event == "message_stop")
        }
    }

    @Test func streamedOpenAIBlockEndsWithInBandError() async throws {
        try await GuardrailFixture.run { f in
            try await f.put("org:acme", Self.block)
            let subscription = f.gateway.gateway.runtime.bus.subscribe()
            defer { subscription.cancel() }
            let hits = Task { () -> GuardrailDecision? in
                for await event in subscription.events {
                    if case .guardrailHit(_, let decision) = event { return decision }
                }
                return nil
            }
            let reply = try await f.openAI(Self.prompt, stream: true)
            #expect(reply.status == 200)
            #expect(!reply.text.contains(GuardrailFixture.email))
            let events = sseEvents(reply.text)
            #expect(!events.contains { $0.data == "[DONE]" })
            let last = try #require(events.last)
            let error = try #require((try JSONSerialization.jsonObject(with: Data(last.data.utf8)) as? [String: Any])?["error"] as? [String: Any])
            #expect(error["code"] as? String == "guardrail_blocked")
            #expect((error["message"] as? String)?.contains("'email'") == true)
            let hit = await hits.value
            #expect(hit?.action == .block)
            #expect(hit?.detector == .email)
        }
    }

    @Test func streamedAnthropicBlockEndsWithErrorEvent() async throws {
        try await GuardrailFixture.run { f in
            try await f.put("org:acme", Self.block)
            let subscription = f.gateway.gateway.runtime.bus.subscribe()
            defer { subscription.cancel() }
            let reply = try await f.anthropic(Self.prompt, stream: true)
            #expect(!reply.text.contains(GuardrailFixture.email))
            let events = sseEvents(reply.text)
            #expect(events.last?.event == "error", "\(reply.text)")
            #expect(!events.contains { $0.event == "message_stop" })
            let record = try await GatewayHarness.record(try #require(reply.header("x-request-id")), on: subscription)
            #expect(record.outcome == .truncated)
            #expect(record.errorClass == "guardrail_blocked")
            #expect(record.guardrails.map(\.action) == [.block])
        }
    }

    @Test func flagRecordsAStreamedHitWithoutChangingTheText() async throws {
        try await GuardrailFixture.run { f in
            try await f.put("team:platform", #"{"response":{"email":"block"}}"#)
            try await f.put("org:acme", #"{"response":{"email":"flag"}}"#)
            let subscription = f.gateway.gateway.runtime.bus.subscribe()
            defer { subscription.cancel() }
            let reply = try await f.anthropic(Self.prompt, stream: true)
            #expect(GuardrailFixture.streamedText(reply).hasSuffix("write to \(GuardrailFixture.email) now"))
            #expect(sseEvents(reply.text).last?.event == "message_stop")
            let record = try await GatewayHarness.record(try #require(reply.header("x-request-id")), on: subscription)
            #expect(record.outcome == .success)
            #expect(record.guardrails == [GuardrailDecision(detector: .email, direction: .response, action: .flag, count: 1, location: "content[0].text")])
        }
    }

    @Test func plainAnthropicResponseBlockUsesTheAnthropicErrorShape() async throws {
        try await GuardrailFixture.run { f in
            try await f.put("key:\(f.keyID)", Self.block)
            let reply = try await f.anthropic(Self.prompt)
            #expect(reply.status == 400)
            let body = try reply.json()
            #expect(body["type"] as? String == "error")
            #expect(try reply.errorMessage().contains("guardrail_blocked"))
            #expect(!reply.text.contains(GuardrailFixture.email))
        }
    }
}
