import AAMTesting
import Foundation
import Testing

/// The OpenAI dialect of the fake, checked over real loopback HTTP.
@Suite("FakeUpstream: OpenAI", .timeLimit(.minutes(1)))
struct FakeUpstreamOpenAITests {
    typealias Support = FakeUpstreamTestSupport

    @Test("plain chat.completion has OpenAI's shape, usage and rate-limit headers")
    func plainCompletion() async throws {
        try await Support.withFake { fake in
            let reply = try await Support.send(fake, "/v1/chat/completions", headers: Support.openAIAuth, json: Support.openAIChat())
            #expect(reply.status == 200)
            #expect(reply.header("content-type") == "application/json")
            #expect(reply.header("x-request-id") == "req_fake000001")
            #expect(reply.header("x-ratelimit-limit-requests") == "10000")
            #expect(reply.header("x-ratelimit-remaining-requests") == "9999")
            #expect(reply.header("x-ratelimit-reset-requests") != nil)
            // OpenAI indents non-streamed bodies.
            #expect(reply.body.hasPrefix("{\n  \"id\": \"chatcmpl-fake000001\",\n  \"object\": \"chat.completion\","))

            let json = try reply.json()
            #expect(json["object"] as? String == "chat.completion")
            #expect(json["model"] as? String == "gpt-4o-mini")
            let choice = try #require((json["choices"] as? [[String: Any]])?.first)
            #expect(choice["finish_reason"] as? String == "stop")
            let message = try #require(choice["message"] as? [String: Any])
            #expect(message["role"] as? String == "assistant")
            #expect(message["content"] as? String == "Hello from fake-openai model gpt-4o-mini: Say hi")
            let usage = try #require(json["usage"] as? [String: Any])
            #expect(usage["completion_tokens"] as? Int == 7)
            #expect(usage["prompt_tokens"] as? Int == 4)  // ceil(("Be brief." + "Say hi") bytes / 4)
            #expect(usage["total_tokens"] as? Int == 11)
        }
    }

    @Test("stream ends with data: [DONE] and has no usage chunk unless asked")
    func streamWithoutUsage() async throws {
        try await Support.withFake { fake in
            let reply = try await Support.send(fake, "/v1/chat/completions", headers: Support.openAIAuth, json: Support.openAIChat(stream: true))
            #expect(reply.status == 200)
            #expect(reply.header("content-type") == "text/event-stream; charset=utf-8")
            #expect(reply.body.hasSuffix("}\n\ndata: [DONE]\n\n"))
            #expect(!reply.body.contains(#""choices":[]"#))
            #expect(!reply.body.contains(#""usage""#))

            let payloads = Support.dataLines(reply.body)
            #expect(payloads.last == "[DONE]")
            let chunks = try payloads.dropLast().map(Support.object)
            #expect(chunks.allSatisfy { $0["object"] as? String == "chat.completion.chunk" })
            let deltas = chunks.compactMap { (($0["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any]) }
            #expect(deltas.first?["role"] as? String == "assistant")
            let text = deltas.compactMap { $0["content"] as? String }.joined()
            #expect(text == "Hello from fake-openai model gpt-4o-mini: Say hi")
            let finish = (chunks.last?["choices"] as? [[String: Any]])?.first?["finish_reason"] as? String
            #expect(finish == "stop")
        }
    }

    @Test("include_usage adds usage:null to chunks and a final choices:[] usage chunk")
    func streamWithUsage() async throws {
        try await Support.withFake { fake in
            let reply = try await Support.send(
                fake, "/v1/chat/completions", headers: Support.openAIAuth,
                json: Support.openAIChat(stream: true, includeUsage: true)
            )
            let payloads = Support.dataLines(reply.body)
            #expect(payloads.last == "[DONE]")
            let chunks = try payloads.dropLast().map(Support.object)
            let usageChunk = try #require(chunks.last)
            #expect((usageChunk["choices"] as? [Any])?.isEmpty == true)
            let usage = try #require(usageChunk["usage"] as? [String: Any])
            #expect(usage["total_tokens"] as? Int == 11)
            #expect(chunks.dropLast().allSatisfy { $0["usage"] is NSNull })
            #expect(reply.body.hasSuffix("}}\n\ndata: [DONE]\n\n"))
        }
    }

    @Test("a weather question with tools streams a tool call in at least three argument deltas")
    func streamedToolCall() async throws {
        try await Support.withFake { fake in
            let reply = try await Support.send(
                fake, "/v1/chat/completions", headers: Support.openAIAuth,
                json: Support.openAIChat(user: "What's the weather in Paris?", stream: true, tools: true)
            )
            let chunks = try Support.dataLines(reply.body).dropLast().map(Support.object)
            let calls = chunks.compactMap {
                ((($0["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any])?["tool_calls"] as? [[String: Any]])?.first
            }
            let first = try #require(calls.first)
            #expect((first["function"] as? [String: Any])?["name"] as? String == "get_weather")
            #expect((first["id"] as? String)?.hasPrefix("call_") == true)
            let fragments = calls.compactMap { ($0["function"] as? [String: Any])?["arguments"] as? String }.filter { !$0.isEmpty }
            #expect(fragments.count >= 3)
            #expect(fragments.joined() == #"{"city":"Paris","unit":"celsius"}"#)
            let finish = (chunks.last?["choices"] as? [[String: Any]])?.first?["finish_reason"] as? String
            #expect(finish == "tool_calls")
        }
    }

    @Test("wrong key gets 401 invalid_api_key, missing key 401 without code")
    func unauthorized() async throws {
        try await Support.withFake { fake in
            let wrong = try await Support.send(
                fake, "/v1/chat/completions", headers: [("authorization", "Bearer sk-wrong-key-1234")], json: Support.openAIChat()
            )
            #expect(wrong.status == 401)
            let error = try #require(try wrong.json()["error"] as? [String: Any])
            #expect(error["code"] as? String == "invalid_api_key")
            #expect(error["type"] as? String == "invalid_request_error")
            #expect(error["param"] is NSNull)
            #expect((error["message"] as? String)?.hasPrefix("Incorrect API key provided: sk-") == true)

            let missing = try await Support.send(fake, "/v1/chat/completions", headers: [], json: Support.openAIChat())
            #expect(missing.status == 401)
            #expect((try missing.json()["error"] as? [String: Any])?["code"] is NSNull)
        }
    }

    @Test("embeddings are deterministic unit vectors; models lists the configured ids")
    func embeddingsAndModels() async throws {
        try await Support.withFake { fake in
            let body = #"{"model":"text-embedding-3-small","input":["alpha","beta"],"dimensions":4}"#
            let first = try await Support.send(fake, "/v1/embeddings", headers: Support.openAIAuth, json: body)
            let second = try await Support.send(fake, "/v1/embeddings", headers: Support.openAIAuth, json: body)
            #expect(first.status == 200)
            let data = try #require(try first.json()["data"] as? [[String: Any]])
            #expect(data.count == 2)
            let vector = try #require(data.first?["embedding"] as? [Double])
            #expect(vector.count == 4)
            #expect(abs(vector.reduce(0) { $0 + $1 * $1 } - 1) < 0.001)
            #expect(try first.json()["data"] as? NSArray == second.json()["data"] as? NSArray)

            let models = try await Support.send(fake, "/v1/models", method: "GET", headers: Support.openAIAuth)
            let ids = try #require(try models.json()["data"] as? [[String: Any]]).compactMap { $0["id"] as? String }
            #expect(ids == FakeUpstream.defaultModels)
        }
    }
}
