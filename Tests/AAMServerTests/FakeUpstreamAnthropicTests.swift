import AAMTesting
import Foundation
import Testing

/// The Anthropic dialect of the fake, checked over real loopback HTTP.
@Suite("FakeUpstream: Anthropic", .timeLimit(.minutes(1)))
struct FakeUpstreamAnthropicTests {
    typealias Support = FakeUpstreamTestSupport

    @Test("plain message has Anthropic's shape, usage and rate-limit headers")
    func plainMessage() async throws {
        try await Support.withFake { fake in
            let reply = try await Support.send(fake, "/v1/messages", headers: Support.anthropicAuth, json: Support.anthropicMessages())
            #expect(reply.status == 200)
            #expect(reply.header("request-id") == "req_fake000001")
            #expect(reply.header("anthropic-ratelimit-requests-remaining") == "3999")
            #expect(reply.header("anthropic-ratelimit-requests-reset")?.hasSuffix("Z") == true)
            let json = try reply.json()
            #expect(json["type"] as? String == "message")
            #expect(json["stop_reason"] as? String == "end_turn")
            let content = try #require(json["content"] as? [[String: Any]])
            #expect(content.first?["text"] as? String == "Hello from fake-anthropic model claude-sonnet-4-20250514: Say hi")
            let usage = try #require(json["usage"] as? [String: Any])
            #expect(usage["input_tokens"] as? Int == 4)
            #expect(usage["output_tokens"] as? Int == 7)
        }
    }

    @Test("stream events come in Anthropic's order")
    func streamEventOrder() async throws {
        try await Support.withFake { fake in
            let reply = try await Support.send(fake, "/v1/messages", headers: Support.anthropicAuth, json: Support.anthropicMessages(stream: true))
            #expect(reply.header("content-type") == "text/event-stream; charset=utf-8")
            let names = Support.eventNames(reply.body)
            let deltas = names.filter { $0 == "content_block_delta" }.count
            #expect(deltas == 7)
            #expect(names == ["message_start", "content_block_start", "ping"]
                + Array(repeating: "content_block_delta", count: deltas)
                + ["content_block_stop", "message_delta", "message_stop"])
            #expect(reply.body.hasSuffix("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"))

            let payloads = try Support.dataLines(reply.body).map(Support.object)
            let text = payloads.compactMap { ($0["delta"] as? [String: Any])?["text"] as? String }.joined()
            #expect(text == "Hello from fake-anthropic model claude-sonnet-4-20250514: Say hi")
            let messageDelta = try #require(payloads.first { $0["type"] as? String == "message_delta" })
            #expect((messageDelta["delta"] as? [String: Any])?["stop_reason"] as? String == "end_turn")
            #expect((messageDelta["usage"] as? [String: Any])?["output_tokens"] as? Int == 7)
        }
    }

    @Test("a weather question with tools streams tool_use with input_json_delta fragments")
    func streamedToolUse() async throws {
        try await Support.withFake { fake in
            let reply = try await Support.send(
                fake, "/v1/messages", headers: Support.anthropicAuth,
                json: Support.anthropicMessages(user: "weather in Paris?", stream: true, tools: true)
            )
            let payloads = try Support.dataLines(reply.body).map(Support.object)
            let toolStart = try #require(payloads.first {
                ($0["content_block"] as? [String: Any])?["type"] as? String == "tool_use"
            })
            #expect(toolStart["index"] as? Int == 1)
            #expect((toolStart["content_block"] as? [String: Any])?["name"] as? String == "get_weather")
            let fragments = payloads.compactMap { ($0["delta"] as? [String: Any])?["partial_json"] as? String }
            #expect(fragments.filter { !$0.isEmpty }.count >= 3)
            #expect(fragments.joined() == #"{"city":"Paris","unit":"celsius"}"#)
            let stop = payloads.first { $0["type"] as? String == "message_delta" }
            #expect((stop?["delta"] as? [String: Any])?["stop_reason"] as? String == "tool_use")
        }
    }

    @Test("bad key, missing anthropic-version and missing max_tokens get Anthropic errors")
    func refusals() async throws {
        try await Support.withFake { fake in
            let badKey = try await Support.send(
                fake, "/v1/messages", headers: [("x-api-key", "nope"), ("anthropic-version", "2023-06-01")],
                json: Support.anthropicMessages()
            )
            #expect(badKey.status == 401)
            #expect(badKey.body == #"{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}"#)

            let noVersion = try await Support.send(
                fake, "/v1/messages", headers: [("x-api-key", Support.key)], json: Support.anthropicMessages()
            )
            #expect(noVersion.status == 400)
            #expect((try noVersion.json()["error"] as? [String: Any])?["type"] as? String == "invalid_request_error")

            let noMaxTokens = try await Support.send(
                fake, "/v1/messages", headers: Support.anthropicAuth,
                json: #"{"model":"claude-sonnet-4-20250514","messages":[{"role":"user","content":"hi"}]}"#
            )
            #expect(noMaxTokens.status == 400)
            #expect((try noMaxTokens.json()["error"] as? [String: Any])?["message"] as? String == "max_tokens: Field required")
        }
    }
}
