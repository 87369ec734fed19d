import AAMCore
import AAMTesting
import Foundation
import Testing

/// A `protocol: gemini` provider through the gateway against the Gemini fake (real loopback
/// HTTP): tool calls both ways from both inbound APIs, plain and streamed; safety blocks; a
/// refused key; embeddings. The plain/stream text rows are in `AdapterConformanceTests`.
@Suite("Gemini provider", .serialized)
struct GeminiProviderTests {
    static let upstreamKey = "AIza-fake-gemini-key-123"
    static let model = "gemini-2.0-flash"

    struct Setup {
        var gateway: GatewayHarness
        var fake: FakeUpstream
        var key: String
    }

    func withSetup(credential: String = upstreamKey, _ body: (Setup) async throws -> Void) async throws {
        let fake = try await FakeUpstream.start(apiKey: Self.upstreamKey)
        do {
            try await withGateway { gateway in
                try await gateway.addProvider("p-gemini", protocol: "gemini", baseURL: fake.baseURL, credential: credential)
                try await gateway.addDeployment(alias: "g", provider: "p-gemini", model: Self.model)
                try await gateway.addDeployment(alias: "g-embed", provider: "p-gemini", model: "gemini-embedding-001")
                try await body(Setup(gateway: gateway, fake: fake, key: try await gateway.issueKey().secret))
            }
        } catch {
            await fake.stop()
            throw error
        }
        await fake.stop()
    }

    static let openAITools = #""tools":[{"type":"function","function":{"name":"get_weather","description":"Weather now","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}]"#
    static let anthropicTools = #""tools":[{"name":"get_weather","description":"Weather now","input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}]"#

    static func json(_ text: String) -> [String: Any]? {
        try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
    }

    /// The last request the fake got, as JSON.
    static func lastUpstreamBody(_ fake: FakeUpstream) async throws -> [String: Any] {
        let request = try #require(await fake.receivedRequests().last)
        return try #require(json(request.bodyText))
    }

    @Test(arguments: [false, true])
    func anOpenAIClientsToolCallRoundTripsThroughGemini(_ stream: Bool) async throws {
        try await withSetup { setup in
            let first = try await setup.gateway.call("/v1/chat/completions", key: setup.key, json: #"{"model":"g","stream":\#(stream),"messages":[{"role":"user","content":"What is the weather in Paris?"}],\#(Self.openAITools),"tool_choice":"auto"}"#)
            #expect(first.status == 200, "\(first.text)")
            let sent = try #require(await setup.fake.receivedRequests().last)
            #expect(sent.path == "/v1beta/models/\(Self.model):\(stream ? "streamGenerateContent" : "generateContent")")
            #expect(sent.queryItem("alt") == (stream ? "sse" : nil))
            #expect(sent.header("x-goog-api-key") == Self.upstreamKey)
            #expect(sent.header("authorization") == nil)
            let upstream = try await Self.lastUpstreamBody(setup.fake)
            #expect((upstream["toolConfig"] as? [String: Any]).flatMap { ($0["functionCallingConfig"] as? [String: Any])?["mode"] as? String } == "AUTO")

            var callID: String?
            var arguments = ""
            if stream {
                let events = sseEvents(first.text)
                #expect(events.last?.data == "[DONE]")
                for event in events.dropLast() {
                    let choices = Self.json(event.data)?["choices"] as? [[String: Any]]
                    for call in (choices?.first?["delta"] as? [String: Any])?["tool_calls"] as? [[String: Any]] ?? [] {
                        if let id = call["id"] as? String { callID = id }
                        arguments += (call["function"] as? [String: Any])?["arguments"] as? String ?? ""
                    }
                }
                #expect(events.contains { $0.data.contains(#""finish_reason":"tool_calls""#) })
            } else {
                let choice = try #require((try first.json()["choices"] as? [[String: Any]])?.first)
                #expect(choice["finish_reason"] as? String == "tool_calls")
                let call = try #require(((choice["message"] as? [String: Any])?["tool_calls"] as? [[String: Any]])?.first)
                callID = call["id"] as? String
                arguments = (call["function"] as? [String: Any])?["arguments"] as? String ?? ""
            }
            let id = try #require(callID)
            #expect(Self.json(arguments)?["city"] as? String == "Paris")

            // The result goes back by the call's id; Gemini gets it as a named functionResponse.
            let escapedArguments = arguments.replacingOccurrences(of: "\"", with: "\\\"")
            let second = try await setup.gateway.call("/v1/chat/completions", key: setup.key, json: #"{"model":"g","stream":\#(stream),"messages":[{"role":"user","content":"What is the weather in Paris?"},{"role":"assistant","content":null,"tool_calls":[{"id":"\#(id)","type":"function","function":{"name":"get_weather","arguments":"\#(escapedArguments)"}}]},{"role":"tool","tool_call_id":"\#(id)","content":"{\"temp\":21}"}],\#(Self.openAITools)}"#)
            #expect(second.status == 200, "\(second.text)")
            let contents = try #require(try await Self.lastUpstreamBody(setup.fake)["contents"] as? [[String: Any]])
            #expect(contents.map { $0["role"] as? String } == ["user", "model", "user"])
            let response = try #require(((contents[2]["parts"] as? [[String: Any]])?.first?["functionResponse"]) as? [String: Any])
            #expect(response["name"] as? String == "get_weather")
            #expect((response["response"] as? [String: Any])?["temp"] as? Int == 21)
            let answer = stream
                ? sseEvents(second.text).compactMap { AdapterConformanceTests.openAIDelta($0.data) }.joined()
                : ((try second.json()["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String ?? ""
            #expect(answer.hasPrefix("Hello from fake-gemini model"), "\(second.text)")
        }
    }

    @Test(arguments: [false, true])
    func anAnthropicClientsToolUseRoundTripsThroughGemini(_ stream: Bool) async throws {
        try await withSetup { setup in
            let first = try await setup.gateway.call("/v1/messages", key: setup.key, json: #"{"model":"g","max_tokens":128,"stream":\#(stream),"system":"Be brief.","messages":[{"role":"user","content":"What is the weather in Paris?"}],\#(Self.anthropicTools),"tool_choice":{"type":"any"}}"#)
            #expect(first.status == 200, "\(first.text)")
            let upstream = try await Self.lastUpstreamBody(setup.fake)
            #expect(((upstream["systemInstruction"] as? [String: Any])?["parts"] as? [[String: Any]])?.first?["text"] as? String == "Be brief.")
            #expect((upstream["generationConfig"] as? [String: Any])?["maxOutputTokens"] as? Int == 128)
            var toolUse: (id: String, input: String)?
            if stream {
                let events = sseEvents(first.text)
                #expect(events.first?.event == "message_start")
                #expect(events.last?.event == "message_stop")
                var id: String?
                var input = ""
                for event in events {
                    let object = Self.json(event.data)
                    if let block = object?["content_block"] as? [String: Any], block["type"] as? String == "tool_use" { id = block["id"] as? String }
                    if let delta = object?["delta"] as? [String: Any], let partial = delta["partial_json"] as? String { input += partial }
                }
                #expect(events.contains { $0.data.contains(#""stop_reason":"tool_use""#) })
                toolUse = id.map { ($0, input) }
            } else {
                let json = try first.json()
                #expect(json["stop_reason"] as? String == "tool_use")
                let block = try #require((json["content"] as? [[String: Any]])?.first { $0["type"] as? String == "tool_use" })
                let input = try JSONSerialization.data(withJSONObject: try #require(block["input"]))
                toolUse = (try #require(block["id"] as? String), String(decoding: input, as: UTF8.self))
            }
            let use = try #require(toolUse)
            #expect(Self.json(use.input)?["city"] as? String == "Paris")

            let second = try await setup.gateway.call("/v1/messages", key: setup.key, json: #"{"model":"g","max_tokens":128,"stream":\#(stream),"messages":[{"role":"user","content":"What is the weather in Paris?"},{"role":"assistant","content":[{"type":"tool_use","id":"\#(use.id)","name":"get_weather","input":\#(use.input)}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"\#(use.id)","content":"sunny"}]}],\#(Self.anthropicTools)}"#)
            #expect(second.status == 200, "\(second.text)")
            let contents = try #require(try await Self.lastUpstreamBody(setup.fake)["contents"] as? [[String: Any]])
            let response = try #require(((contents.last?["parts"] as? [[String: Any]])?.first?["functionResponse"]) as? [String: Any])
            #expect(response["name"] as? String == "get_weather")
            #expect((response["response"] as? [String: Any])?["content"] as? String == "sunny")
        }
    }

    @Test func aBlockedPromptIsA400ContentFilterInBothAPIsAndIsNotRetried() async throws {
        try await withSetup { setup in
            let subscription = setup.gateway.gateway.runtime.bus.subscribe()
            defer { subscription.cancel() }
            await setup.fake.setDefaultBehaviour(.safetyBlock(afterEvents: nil))
            let chat = try await setup.gateway.call("/v1/chat/completions", key: setup.key, json: #"{"model":"g","messages":[{"role":"user","content":"something bad"}]}"#)
            #expect(chat.status == 400)
            #expect(try chat.errorCode() == "content_filter")
            #expect(try chat.errorMessage().contains("blocked the prompt (promptFeedback.blockReason: SAFETY)"))
            let record = try await GatewayHarness.record(try #require(chat.header("x-request-id")), on: subscription)
            #expect(record.errorClass == "content_filter")
            #expect(record.promptTokens > 0, "Gemini bills a blocked prompt")
            #expect(await setup.fake.requestCount() == 1)

            let messages = try await setup.gateway.call("/v1/messages", key: setup.key, json: #"{"model":"g","max_tokens":16,"messages":[{"role":"user","content":"something bad"}]}"#)
            #expect(messages.status == 400)
            #expect((try messages.json()["error"] as? [String: Any])?["type"] as? String == "invalid_request_error")

            // Streamed: the block is the answer, in-band, not an empty success.
            let streamed = try await setup.gateway.call("/v1/chat/completions", key: setup.key, json: #"{"model":"g","stream":true,"messages":[{"role":"user","content":"something bad"}]}"#)
            #expect(streamed.status == 200)
            let events = sseEvents(streamed.text)
            #expect(events.count == 1)
            #expect(events.first?.data.contains(#""code":"content_filter""#) == true)
            let streamedRecord = try await GatewayHarness.record(try #require(streamed.header("x-request-id")), on: subscription)
            #expect(streamedRecord.errorClass == "content_filter")
            #expect(streamedRecord.outcome == .rejected)
        }
    }

    @Test func aSafetyCutMidStreamKeepsTheTextAndEndsWithContentFilter() async throws {
        try await withSetup { setup in
            await setup.fake.setDefaultBehaviour(.safetyBlock(afterEvents: 2))
            let reply = try await setup.gateway.call("/v1/chat/completions", key: setup.key, json: #"{"model":"g","stream":true,"messages":[{"role":"user","content":"tell me a long story"}]}"#)
            #expect(reply.status == 200)
            let events = sseEvents(reply.text)
            #expect(events.last?.data == "[DONE]")
            #expect(events.contains { $0.data.contains(#""finish_reason":"content_filter""#) })
            let text = events.dropLast().compactMap { AdapterConformanceTests.openAIDelta($0.data) }.joined()
            #expect(text == "Hello from")

            let anthropic = try await setup.gateway.call("/v1/messages", key: setup.key, json: #"{"model":"g","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"tell me a long story"}]}"#)
            #expect(sseEvents(anthropic.text).contains { $0.data.contains(#""stop_reason":"refusal""#) })
        }
    }

    @Test func aKeyGeminiRefusesIsTheGatewaysProblemNotTheClients() async throws {
        try await withSetup(credential: "AIza-wrong") { setup in
            let subscription = setup.gateway.gateway.runtime.bus.subscribe()
            defer { subscription.cancel() }
            let reply = try await setup.gateway.call("/v1/chat/completions", key: setup.key, json: #"{"model":"g","messages":[{"role":"user","content":"hi"}]}"#)
            // Gemini says 400 API_KEY_INVALID; the client must not get a 400 about its request.
            #expect(reply.status == 502, "\(reply.text)")
            #expect(!reply.text.contains("API key not valid"))
            let record = try await GatewayHarness.record(try #require(reply.header("x-request-id")), on: subscription)
            #expect(record.attempts.first?.errorClass == "upstream_auth_failed")
            #expect(record.attempts.first?.status == 400)
        }
    }

    @Test func embeddingsGoThroughBatchEmbedContents() async throws {
        try await withSetup { setup in
            let subscription = setup.gateway.gateway.runtime.bus.subscribe()
            defer { subscription.cancel() }
            let reply = try await setup.gateway.call("/v1/embeddings", key: setup.key, json: #"{"model":"g-embed","input":["one","two"],"dimensions":4}"#)
            #expect(reply.status == 200, "\(reply.text)")
            let record = try await GatewayHarness.record(try #require(reply.header("x-request-id")), on: subscription)
            #expect(record.promptTokens == 2)
            #expect(record.usageEstimated, "Gemini reports no embeddings usage: the record says it is an estimate")
            let json = try reply.json()
            let data = try #require(json["data"] as? [[String: Any]])
            #expect(data.count == 2)
            #expect((data.first?["embedding"] as? [Any])?.count == 4)
            #expect(json["object"] as? String == "list")
            let sent = try #require(await setup.fake.receivedRequests().last)
            #expect(sent.path == "/v1beta/models/gemini-embedding-001:batchEmbedContents")
            let base64 = try await setup.gateway.call("/v1/embeddings", key: setup.key, json: #"{"model":"g-embed","input":"one","dimensions":4,"encoding_format":"base64"}"#)
            let vector = try #require(((try base64.json()["data"] as? [[String: Any]])?.first?["embedding"]) as? String)
            #expect(Data(base64Encoded: vector)?.count == 16)
        }
    }
}
