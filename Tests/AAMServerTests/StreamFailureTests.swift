import AAMCore
import AAMTesting
import AsyncHTTPClient
import Foundation
import NIOCore
import Testing

/// Streams that fail: before the first content byte they fail over invisibly; after it they end
/// with an in-band error in the client's protocol, never a fake terminator, and the call record
/// says `truncated`.
@Suite("Stream failures", .serialized)
struct StreamFailureTests {
    static let upstreamKey = "sk-upstream-stream-key"

    /// Two OpenAI-protocol deployments of `chat` on two fakes, plus an Anthropic-protocol `claude` alias.
    static func setUp(_ gateway: GatewayHarness, primary: FakeUpstream, secondary: FakeUpstream) async throws -> String {
        try await gateway.addProvider("primary", protocol: "openai", baseURL: primary.baseURL, credential: upstreamKey)
        try await gateway.addProvider("secondary", protocol: "openai", baseURL: secondary.baseURL, credential: upstreamKey)
        try await gateway.addProvider("claude-vendor", protocol: "anthropic", baseURL: primary.baseURL, credential: upstreamKey)
        try await gateway.addDeployment(alias: "chat", provider: "primary", model: "gpt-4o-mini", weight: 1_000_000, id: "chat-primary")
        try await gateway.addDeployment(alias: "chat", provider: "secondary", model: "gpt-4o-mini", weight: 1, id: "chat-secondary")
        try await gateway.addDeployment(alias: "claude", provider: "claude-vendor", model: "claude-sonnet-4-20250514", id: "claude-only")
        try await gateway.adminOK(.PUT, "/admin/aliases/claude", json: #"{"retries":0}"#)
        return try await gateway.issueKey().secret
    }

    func withFakes(_ body: (GatewayHarness, FakeUpstream, FakeUpstream, String) async throws -> Void) async throws {
        let primary = try await FakeUpstream.start(apiKey: Self.upstreamKey)
        let secondary = try await FakeUpstream.start(apiKey: Self.upstreamKey)
        do {
            try await withGateway { gateway in
                let key = try await Self.setUp(gateway, primary: primary, secondary: secondary)
                try await body(gateway, primary, secondary, key)
            }
        } catch {
            await primary.stop()
            await secondary.stop()
            throw error
        }
        await primary.stop()
        await secondary.stop()
    }

    @Test func disconnectAfterContentEndsWithInBandOpenAIError() async throws {
        try await withFakes { gateway, primary, _, key in
            let subscription = gateway.gateway.runtime.bus.subscribe()
            defer { subscription.cancel() }
            await primary.enqueue(.disconnectMidStream(afterEvents: 4))
            let reply = try await gateway.call("/v1/chat/completions", key: key, json: #"{"model":"chat","stream":true,"messages":[{"role":"user","content":"tell me a long story"}]}"#)
            #expect(reply.status == 200)
            #expect(reply.header("x-aam-deployment") == "chat-primary")
            let events = sseEvents(reply.text)
            #expect(!events.contains { $0.data == "[DONE]" }, "a failed stream must never end with a fake [DONE]")
            let last = try #require(events.last)
            let error = try #require((try JSONSerialization.jsonObject(with: Data(last.data.utf8)) as? [String: Any])?["error"] as? [String: Any])
            // An abrupt close reads as a failed body; a clean close without terminator as truncated.
            #expect(["upstream_stream_failed", "upstream_stream_truncated"].contains(error["code"] as? String ?? ""))
            #expect(events.dropLast().contains { $0.data.contains("\"content\"") }, "content before the failure reached the client")
            let record = try await GatewayHarness.record(try #require(reply.header("x-request-id")), on: subscription)
            #expect(record.outcome == .truncated)
            #expect(record.errorClass == error["code"] as? String)
        }
    }

    @Test func disconnectAfterContentEndsWithAnthropicErrorEvent() async throws {
        try await withFakes { gateway, primary, _, key in
            await primary.enqueue(.disconnectMidStream(afterEvents: 5), path: "/v1/messages")
            let reply = try await gateway.call("/v1/messages", key: key, json: #"{"model":"claude","max_tokens":100,"stream":true,"messages":[{"role":"user","content":"a long story please"}]}"#)
            #expect(reply.status == 200)
            let events = sseEvents(reply.text)
            #expect(!events.contains { $0.event == "message_stop" })
            #expect(events.last?.event == "error")
            let lastEvent = try #require(events.last)
            let body = try #require(try JSONSerialization.jsonObject(with: Data(lastEvent.data.utf8)) as? [String: Any])
            #expect(body["type"] as? String == "error")
            #expect((body["error"] as? [String: Any])?["type"] as? String == "api_error")
        }
    }

    @Test func failureBeforeFirstContentFailsOverInvisibly() async throws {
        try await withFakes { gateway, primary, secondary, key in
            let subscription = gateway.gateway.runtime.bus.subscribe()
            defer { subscription.cancel() }
            // The first event of an OpenAI stream is the role chunk (no content): cut right after it.
            await primary.enqueue(.disconnectMidStream(afterEvents: 1))
            let reply = try await gateway.call("/v1/chat/completions", key: key, json: #"{"model":"chat","stream":true,"messages":[{"role":"user","content":"hi"}]}"#)
            #expect(reply.status == 200)
            #expect(reply.header("x-aam-deployment") == "chat-secondary")
            let events = sseEvents(reply.text)
            #expect(events.last?.data == "[DONE]")
            #expect(events.filter { $0.data.contains(#""role":"assistant""#) }.count == 1, "the failed attempt's preamble was discarded")
            #expect(await secondary.requestCount(path: "/v1/chat/completions") == 1)
            let record = try await GatewayHarness.record(try #require(reply.header("x-request-id")), on: subscription)
            #expect(record.outcome == .success)
            #expect(record.attempts.map(\.deployment) == ["chat-primary", "chat-secondary"])
            #expect(["upstream_stream_failed", "upstream_stream_truncated"].contains(record.attempts.first?.errorClass ?? ""))
        }
    }

    @Test func rateLimitedStreamFailsOverBeforeAnyByte() async throws {
        try await withFakes { gateway, primary, _, key in
            await primary.enqueue(.rateLimited(retryAfterSeconds: 3))
            let reply = try await gateway.call("/v1/chat/completions", key: key, json: #"{"model":"chat","stream":true,"messages":[{"role":"user","content":"hi"}]}"#)
            #expect(reply.status == 200)
            #expect(reply.header("x-aam-deployment") == "chat-secondary")
            #expect(sseEvents(reply.text).last?.data == "[DONE]")
        }
    }

    @Test func clientDisconnectMidStreamIsRecordedAndTheDaemonKeepsServing() async throws {
        try await withFakes { gateway, primary, _, key in
            let subscription = gateway.gateway.runtime.bus.subscribe()
            defer { subscription.cancel() }
            await primary.enqueue(.slowStream(gapMs: 200))
            // A client that goes away after its first chunk, mid-stream.
            var request = HTTPClientRequest(url: gateway.baseURL + "/v1/chat/completions")
            request.method = .POST
            request.headers.add(name: "authorization", value: "Bearer \(key)")
            request.body = .bytes(ByteBuffer(string: #"{"model":"chat","stream":true,"messages":[{"role":"user","content":"one two three four five six seven eight"}]}"#))
            let (firstChunk, sawChunk) = AsyncStream<Void>.makeStream()
            let reader = Task {
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
                for try await _ in response.body { sawChunk.yield() }
            }
            var iterator = firstChunk.makeAsyncIterator()
            _ = await iterator.next()
            reader.cancel()
            _ = try? await reader.value
            var cancelled: CallRecord?
            for await event in subscription.events {
                if case .call(let record) = event { cancelled = record; break }
            }
            #expect(cancelled?.outcome == .cancelled, "\(cancelled?.errorClass ?? "-")")
            let reply = try await gateway.call("/v1/chat/completions", key: key, json: #"{"model":"chat","messages":[{"role":"user","content":"still there?"}]}"#)
            #expect(reply.status == 200)
        }
    }

    @Test func toolCallArgumentsStreamAcrossProtocols() async throws {
        try await withFakes { gateway, _, _, key in
            // OpenAI client -> Anthropic vendor: input_json_delta becomes tool_calls argument deltas.
            let tools = #"[{"type":"function","function":{"name":"get_weather","description":"Weather","parameters":{"type":"object","properties":{"city":{"type":"string"},"unit":{"type":"string"}}}}}]"#
            let reply = try await gateway.call("/v1/chat/completions", key: key, json: #"{"model":"claude","stream":true,"tools":\#(tools),"messages":[{"role":"user","content":"What is the weather in Paris?"}]}"#)
            #expect(reply.status == 200, "\(reply.text)")
            var arguments = ""
            var deltas = 0
            var finish: String?
            for event in sseEvents(reply.text) where event.data != "[DONE]" {
                let object = try #require(try JSONSerialization.jsonObject(with: Data(event.data.utf8)) as? [String: Any])
                guard let choice = (object["choices"] as? [[String: Any]])?.first else { continue }
                if let reason = choice["finish_reason"] as? String { finish = reason }
                for call in (choice["delta"] as? [String: Any])?["tool_calls"] as? [[String: Any]] ?? [] {
                    if let fragment = (call["function"] as? [String: Any])?["arguments"] as? String, !fragment.isEmpty {
                        arguments += fragment
                        deltas += 1
                    }
                }
            }
            #expect(deltas >= 3)
            #expect(finish == "tool_calls")
            let parsed = try #require(try JSONSerialization.jsonObject(with: Data(arguments.utf8)) as? [String: String])
            #expect(parsed == ["city": "Paris", "unit": "celsius"])

            // Anthropic client -> OpenAI vendor: tool_calls deltas become input_json_delta events.
            let anthropicTools = #"[{"name":"get_weather","description":"Weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}}]"#
            let back = try await gateway.call("/v1/messages", key: key, json: #"{"model":"chat","max_tokens":200,"stream":true,"tools":\#(anthropicTools),"messages":[{"role":"user","content":"What is the weather in Paris?"}]}"#)
            #expect(back.status == 200, "\(back.text)")
            let events = sseEvents(back.text)
            let json = events.filter { $0.event == "content_block_delta" && $0.data.contains("input_json_delta") }.compactMap { event -> String? in
                let object = try? JSONSerialization.jsonObject(with: Data(event.data.utf8)) as? [String: Any]
                return (object?["delta"] as? [String: Any])?["partial_json"] as? String
            }.joined()
            #expect((try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: String]) == ["city": "Paris", "unit": "celsius"])
            let stop = events.first { $0.event == "message_delta" }.map(\.data) ?? ""
            #expect(stop.contains(#""stop_reason":"tool_use""#))
        }
    }
}
