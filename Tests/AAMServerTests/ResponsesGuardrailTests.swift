import AAMCore
import AAMTesting
import Foundation
import Testing

/// Guardrails on `POST /v1/responses`: every text the model sees (instructions, input items,
/// function outputs) and every text it returns, plain and streamed (with the hold-back window),
/// exactly as for chat. The fake vendor echoes the last user text.
@Suite("Guardrails: Responses API", .serialized)
struct ResponsesGuardrailTests {
    static var email: String { GuardrailFixture.email }

    static func body(_ alias: String, instructions: String, input: String, stream: Bool = false) -> String {
        #"{"model":"\#(alias)","stream":\#(stream),"instructions":\#(GuardrailFixture.quoted(instructions)),"input":[{"type":"function_call","call_id":"c1","name":"lookup","arguments":"{}"},{"type":"function_call_output","call_id":"c1","output":\#(GuardrailFixture.quoted("owner: \(email)"))},{"role":"user","content":[{"type":"input_text","text":\#(GuardrailFixture.quoted(input))}]}]}"#
    }

    @Test func requestRedactionReachesInstructionsInputAndToolOutputs() async throws {
        try await GuardrailFixture.run { f in
            try await f.put("org:acme", #"{"request":{"email":"redact"}}"#)
            for alias in ["chat", "claude"] {
                let reply = try await f.gateway.call(
                    "/v1/responses", key: f.key, json: Self.body(alias, instructions: "Mail \(Self.email).", input: "write to \(Self.email)"))
                #expect(reply.status == 200, "\(reply.text)")
            }
            // `chat` (OpenAI) passes the Responses body through; `claude` gets it translated.
            let sent = await f.received("/v1/responses") + f.received("/v1/messages")
            #expect(sent.count == 2)
            for body in sent {
                #expect(!body.contains(Self.email), "\(body)")
                #expect(body.components(separatedBy: "[EMAIL]").count - 1 == 3, "\(body)")
            }
        }
    }

    @Test func requestBlockOnInstructionsAlone() async throws {
        try await GuardrailFixture.run { f in
            try await f.put("org:acme", #"{"request":{"email":"block"}}"#)
            let body = #"{"model":"chat","instructions":\#(GuardrailFixture.quoted("Mail \(Self.email).")),"input":"hello"}"#
            let reply = try await f.gateway.call("/v1/responses", key: f.key, json: body)
            #expect(reply.status == 400)
            #expect(try reply.errorCode() == "guardrail_blocked")
            #expect(await f.received("/v1/responses").isEmpty)
        }
    }

    @Test func responseRedactionPlainAndStreamed() async throws {
        try await GuardrailFixture.run { f in
            try await f.put("org:acme", #"{"request":{"email":"allow"},"response":{"email":"redact"}}"#)
            for alias in ["chat", "claude"] {
                let plain = try await f.gateway.call("/v1/responses", key: f.key, json: #"{"model":"\#(alias)","input":"write to \#(Self.email) now"}"#)
                #expect(plain.status == 200, "\(plain.text)")
                #expect(!plain.text.contains(Self.email))
                #expect(plain.text.contains("[EMAIL]"))
                #expect(try plain.json()["object"] as? String == "response")
                let streamed = try await f.gateway.call(
                    "/v1/responses", key: f.key, json: #"{"model":"\#(alias)","stream":true,"input":"write to \#(Self.email) now"}"#)
                #expect(streamed.status == 200)
                #expect(!streamed.text.contains(Self.email), "\(streamed.text)")
                let events = sseEvents(streamed.text).filter { $0.event != nil }
                let text = events.filter { $0.event == "response.output_text.delta" }
                    .compactMap { ResponsesEndpointTests.string($0.data, "delta") }.joined()
                #expect(text.hasSuffix("write to [EMAIL] now"), "\(text)")
                #expect(events.last?.event == "response.completed")
            }
        }
    }

    @Test func streamedResponseBlockEndsWithErrorAndFailed() async throws {
        try await GuardrailFixture.run { f in
            try await f.put("org:acme", #"{"response":{"email":"block"}}"#)
            let subscription = f.gateway.gateway.runtime.bus.subscribe()
            defer { subscription.cancel() }
            let reply = try await f.gateway.call("/v1/responses", key: f.key, json: #"{"model":"chat","stream":true,"input":"write to \#(Self.email) now"}"#)
            #expect(reply.status == 200)
            #expect(!reply.text.contains(Self.email))
            let events = sseEvents(reply.text).filter { $0.event != nil }
            #expect(events.suffix(2).map(\.event) == ["error", "response.failed"], "\(reply.text)")
            #expect(ResponsesEndpointTests.string(events[events.count - 2].data, "code") == "guardrail_blocked")
            let record = try await GatewayHarness.record(try #require(reply.header("x-request-id")), on: subscription)
            #expect(record.endpoint == "/v1/responses")
            #expect(record.guardrails.contains { $0.action == .block })
        }
    }
}
