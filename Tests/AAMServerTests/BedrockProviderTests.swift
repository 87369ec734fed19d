import AAMCore
import AAMTesting
import Foundation
import Testing

/// A `protocol: bedrock` provider through the gateway against the Bedrock fake (real loopback
/// HTTP, SigV4 verified with the secret, event-stream frames with real CRCs): tool calls both
/// ways from both inbound APIs, plain and streamed; throttling and ModelNotReady into
/// cooldowns; a corrupted frame and an in-band exception; a wrong secret and a skewed clock.
/// The plain/stream text rows are in `AdapterConformanceTests`.
@Suite("Bedrock provider", .serialized)
struct BedrockProviderTests {
    static let secret = "bedrock-fake-secret/KEY+123"
    static let credential = FakeUpstream.bedrockAccessKeyID + ":" + secret
    static let model = "anthropic.claude-3-haiku-20240307-v1:0"
    static let path = "/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse"

    struct Setup {
        var gateway: GatewayHarness
        var fake: FakeUpstream
        var key: String
    }

    func withSetup(credential: String = credential, backup: Bool = false, _ body: (Setup) async throws -> Void) async throws {
        let fake = try await FakeUpstream.start(apiKey: Self.secret)
        do {
            try await withGateway { gateway in
                try await gateway.addProvider("p-bedrock", protocol: "bedrock", baseURL: fake.baseURL, credential: credential, extra: #""region":"us-east-1""#)
                try await gateway.addDeployment(alias: "b", provider: "p-bedrock", model: Self.model)
                if backup {
                    try await gateway.addProvider("p-openai", protocol: "openai", baseURL: fake.baseURL, credential: Self.secret)
                    try await gateway.adminOK(.POST, "/admin/deployments", json: #"{"alias":"b","provider":"p-openai","upstreamModel":"gpt-4o-mini","priority":1}"#)
                    try await gateway.adminOK(.PUT, "/admin/aliases/b", json: #"{"strategy":"priority","retries":1}"#)
                }
                try await body(Setup(gateway: gateway, fake: fake, key: try await gateway.issueKey().secret))
            }
        } catch {
            await fake.stop()
            throw error
        }
        await fake.stop()
    }

    static let openAITools = GeminiProviderTests.openAITools
    static let anthropicTools = GeminiProviderTests.anthropicTools
    static func json(_ text: String) -> [String: Any]? { GeminiProviderTests.json(text) }

    @Test(arguments: [false, true])
    func anOpenAIClientsToolCallRoundTripsThroughBedrock(_ stream: Bool) async throws {
        try await withSetup { setup in
            let first = try await setup.gateway.call("/v1/chat/completions", key: setup.key, json: #"{"model":"b","stream":\#(stream),"messages":[{"role":"user","content":"What is the weather in Paris?"}],\#(Self.openAITools),"tool_choice":"auto"}"#)
            #expect(first.status == 200, "\(first.text)")
            let sent = try #require(await setup.fake.receivedRequests().last)
            #expect(sent.path == Self.path + (stream ? "-stream" : ""))
            #expect(sent.header("authorization")?.contains("/us-east-1/bedrock/aws4_request") == true)
            #expect(!sent.headers.contains { $0.value.contains(Self.secret) })
            let upstream = try await GeminiProviderTests.lastUpstreamBody(setup.fake)
            #expect((upstream["toolConfig"] as? [String: Any])?["toolChoice"] as? [String: [String: String]] == ["auto": [:]])

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
            #expect(id.hasPrefix("tooluse_fake"))
            // Four fragments on the wire, one exact JSON here.
            #expect(arguments == #"{"city":"Paris","unit":"celsius"}"#)

            let escapedArguments = arguments.replacingOccurrences(of: "\"", with: "\\\"")
            let second = try await setup.gateway.call("/v1/chat/completions", key: setup.key, json: #"{"model":"b","stream":\#(stream),"messages":[{"role":"user","content":"What is the weather in Paris?"},{"role":"assistant","content":null,"tool_calls":[{"id":"\#(id)","type":"function","function":{"name":"get_weather","arguments":"\#(escapedArguments)"}}]},{"role":"tool","tool_call_id":"\#(id)","content":"{\"temp\":21}"}],\#(Self.openAITools)}"#)
            #expect(second.status == 200, "\(second.text)")
            let messages = try #require(try await GeminiProviderTests.lastUpstreamBody(setup.fake)["messages"] as? [[String: Any]])
            #expect(messages.map { $0["role"] as? String } == ["user", "assistant", "user"])
            let result = try #require(((messages[2]["content"] as? [[String: Any]])?.first?["toolResult"]) as? [String: Any])
            #expect(result["toolUseId"] as? String == id)
            let answer = stream
                ? sseEvents(second.text).compactMap { AdapterConformanceTests.openAIDelta($0.data) }.joined()
                : ((try second.json()["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String ?? ""
            #expect(answer.hasPrefix("Hello from fake-bedrock model"), "\(second.text)")
        }
    }

    @Test(arguments: [false, true])
    func anAnthropicClientsToolUseRoundTripsThroughBedrock(_ stream: Bool) async throws {
        try await withSetup { setup in
            let first = try await setup.gateway.call("/v1/messages", key: setup.key, json: #"{"model":"b","max_tokens":128,"stream":\#(stream),"system":"Be brief.","messages":[{"role":"user","content":"What is the weather in Paris?"}],\#(Self.anthropicTools),"tool_choice":{"type":"any"}}"#)
            #expect(first.status == 200, "\(first.text)")
            let upstream = try await GeminiProviderTests.lastUpstreamBody(setup.fake)
            #expect((upstream["system"] as? [[String: Any]])?.first?["text"] as? String == "Be brief.")
            #expect((upstream["inferenceConfig"] as? [String: Any])?["maxTokens"] as? Int == 128)
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

            let second = try await setup.gateway.call("/v1/messages", key: setup.key, json: #"{"model":"b","max_tokens":128,"stream":\#(stream),"messages":[{"role":"user","content":"What is the weather in Paris?"},{"role":"assistant","content":[{"type":"tool_use","id":"\#(use.id)","name":"get_weather","input":\#(use.input)}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"\#(use.id)","content":"sunny"}]}],\#(Self.anthropicTools)}"#)
            #expect(second.status == 200, "\(second.text)")
            let messages = try #require(try await GeminiProviderTests.lastUpstreamBody(setup.fake)["messages"] as? [[String: Any]])
            let result = try #require(((messages.last?["content"] as? [[String: Any]])?.first?["toolResult"]) as? [String: Any])
            #expect(result["toolUseId"] as? String == use.id)
            #expect((result["content"] as? [[String: Any]])?.first?["text"] as? String == "sunny")
        }
    }

    @Test func throttlingAndModelNotReadyFailOverAndCoolDown() async throws {
        try await withSetup(backup: true) { setup in
            await setup.fake.enqueue(.rateLimited(), path: Self.path)
            let first = try await setup.gateway.call("/v1/chat/completions", key: setup.key, json: #"{"model":"b","messages":[{"role":"user","content":"hi"}]}"#)
            #expect(first.status == 200, "\(first.text)")
            #expect(first.header("x-aam-provider") == "p-openai")
            // Cooling down: Bedrock is not asked again.
            let second = try await setup.gateway.call("/v1/chat/completions", key: setup.key, json: #"{"model":"b","messages":[{"role":"user","content":"hi"}]}"#)
            #expect(second.header("x-aam-provider") == "p-openai")
            #expect(await setup.fake.requestCount(path: Self.path) == 1)
        }
        try await withSetup(backup: true) { setup in
            await setup.fake.enqueue(.bedrockModelNotReady, path: Self.path)
            let subscription = setup.gateway.gateway.runtime.bus.subscribe()
            defer { subscription.cancel() }
            let reply = try await setup.gateway.call("/v1/messages", key: setup.key, json: #"{"model":"b","max_tokens":32,"messages":[{"role":"user","content":"hi"}]}"#)
            #expect(reply.status == 200, "\(reply.text)")
            let record = try await GatewayHarness.record(try #require(reply.header("x-request-id")), on: subscription)
            #expect(record.attempts.first?.status == 429)
            #expect(record.attempts.first?.errorClass == "rate_limited")
        }
    }

    @Test func aCorruptedFrameMidStreamEndsWithAnInBandErrorAndATruncatedRecord() async throws {
        try await withSetup { setup in
            // Frames: messageStart, then a text delta per word; the fourth frame's CRC is wrong.
            await setup.fake.enqueue(.corruptStreamChecksum(afterEvents: 3), path: Self.path + "-stream")
            let subscription = setup.gateway.gateway.runtime.bus.subscribe()
            defer { subscription.cancel() }
            let reply = try await setup.gateway.call("/v1/chat/completions", key: setup.key, json: #"{"model":"b","stream":true,"messages":[{"role":"user","content":"Say hello there"}]}"#)
            #expect(reply.status == 200)
            let events = sseEvents(reply.text)
            #expect(events.contains { AdapterConformanceTests.openAIDelta($0.data)?.isEmpty == false }, "the frames before the bad one were relayed")
            #expect(events.last?.data.contains(#""error""#) == true, "\(reply.text)")
            #expect(events.last?.data != "[DONE]")
            let record = try await GatewayHarness.record(try #require(reply.header("x-request-id")), on: subscription)
            #expect(record.outcome == .truncated, "\(record)")
        }
    }

    @Test func anInBandExceptionReachesTheClientInItsOwnShape() async throws {
        try await withSetup { setup in
            await setup.fake.enqueue(.streamException(afterEvents: 3, type: "modelStreamErrorException", message: "The model stream failed."), path: Self.path + "-stream")
            let reply = try await setup.gateway.call("/v1/messages", key: setup.key, json: #"{"model":"b","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"Say hello there"}]}"#)
            #expect(reply.status == 200)
            let events = sseEvents(reply.text)
            #expect(events.last?.event == "error", "\(reply.text)")
            #expect(events.last?.data.contains("The model stream failed.") == true)
        }
    }

    @Test func aWrongSecretIsACredentialRefusalAndNeverEchoed() async throws {
        try await withSetup(credential: FakeUpstream.bedrockAccessKeyID + ":wrong-secret") { setup in
            let subscription = setup.gateway.gateway.runtime.bus.subscribe()
            defer { subscription.cancel() }
            let reply = try await setup.gateway.call("/v1/chat/completions", key: setup.key, json: #"{"model":"b","messages":[{"role":"user","content":"hi"}]}"#)
            #expect(reply.status == 502, "\(reply.text)")
            #expect(!reply.text.contains("wrong-secret"))
            let record = try await GatewayHarness.record(try #require(reply.header("x-request-id")), on: subscription)
            #expect(record.attempts.first?.errorClass == "upstream_auth_failed")
            #expect(record.attempts.first?.status == 403)
        }
    }

    @Test func aSkewedClockIsReportedAsTheClockNotAGeneric502() async throws {
        try await withSetup { setup in
            await setup.fake.setClockOffset(seconds: 900)
            let subscription = setup.gateway.gateway.runtime.bus.subscribe()
            defer { subscription.cancel() }
            let reply = try await setup.gateway.call("/v1/chat/completions", key: setup.key, json: #"{"model":"b","messages":[{"role":"user","content":"hi"}]}"#)
            #expect(reply.status == 502)
            let error = try #require(try reply.json()["error"] as? [String: Any])
            #expect(error["code"] as? String == "upstream_clock_skew", "\(reply.text)")
            #expect((error["message"] as? String)?.contains("clock") == true)
            let record = try await GatewayHarness.record(try #require(reply.header("x-request-id")), on: subscription)
            #expect(record.attempts.first?.errorClass == "upstream_clock_skew")
        }
    }
}
