import AAMCore
import AAMTesting
import Foundation
import Testing

/// `POST /v1/responses` over real loopback HTTP through the gateway, against every provider
/// protocol (the adapter conformance vendors), plain and streamed, tool calls included.
@Suite("Responses API inbound", .serialized)
struct ResponsesEndpointTests {
    struct Case: CustomStringConvertible, Sendable {
        var alias: String
        var stream: Bool
        var tools: Bool
        var description: String { "\(alias) <- /v1/responses\(stream ? " stream" : "")\(tools ? " tools" : "")" }
    }

    static let cases: [Case] = AdapterConformanceTests.aliases.flatMap { alias in
        [false, true].flatMap { stream in [false, true].map { Case(alias: alias, stream: stream, tools: $0) } }
    }.filter { !($0.tools && $0.alias == "via-simulated") }

    static func body(_ alias: String, stream: Bool, tools: Bool) -> String {
        let tool = #","tools":[{"type":"function","name":"get_weather","description":"Weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}]"#
        let question = tools ? "What is the weather in Paris?" : "Say hello"
        return #"{"model":"\#(alias)","stream":\#(stream),"instructions":"Be brief.","max_output_tokens":64,"input":[{"role":"user","content":[{"type":"input_text","text":"\#(question)"}]}]\#(tools ? tool : "")}"#
    }

    @Test(arguments: cases)
    func answersInTheResponsesFormat(_ testCase: Case) async throws {
        let fake = try await FakeUpstream.start(apiKey: AdapterConformanceTests.upstreamKey)
        defer { Task { await fake.stop() } }
        try await withGateway { gateway in
            let key = try await AdapterConformanceTests.configure(gateway, fake: fake)
            let subscription = gateway.gateway.runtime.bus.subscribe()
            defer { subscription.cancel() }
            let reply = try await gateway.call("/v1/responses", key: key, json: Self.body(testCase.alias, stream: testCase.stream, tools: testCase.tools))
            #expect(reply.status == 200, "\(reply.text)")
            let requestID = try #require(reply.header("x-request-id"))
            let response: [String: Any]
            if testCase.stream {
                #expect(reply.header("content-type")?.hasPrefix("text/event-stream") == true)
                let events = sseEvents(reply.text).filter { $0.event != nil }
                #expect(events.first?.event == "response.created")
                #expect(events.last?.event == "response.completed", "\(reply.text)")
                for (index, event) in events.enumerated() {
                    let data = try #require(try JSONSerialization.jsonObject(with: Data(event.data.utf8)) as? [String: Any])
                    #expect(data["type"] as? String == event.event)
                    #expect(data["sequence_number"] as? Int == index)
                }
                if testCase.tools {
                    let arguments = events.filter { $0.event == "response.function_call_arguments.delta" }
                        .compactMap { Self.string($0.data, "delta") }.joined()
                    #expect(try Self.cityArgument(arguments) == "Paris", "\(arguments)")
                } else {
                    let text = events.filter { $0.event == "response.output_text.delta" }.compactMap { Self.string($0.data, "delta") }.joined()
                    #expect(!text.isEmpty)
                }
                let last = try #require(try JSONSerialization.jsonObject(with: Data(events.last!.data.utf8)) as? [String: Any])
                response = try #require(last["response"] as? [String: Any])
            } else {
                response = try reply.json()
            }
            #expect(response["object"] as? String == "response")
            #expect((response["id"] as? String)?.hasPrefix("resp_") == true)
            #expect(response["status"] as? String == "completed")
            let output = try #require(response["output"] as? [[String: Any]])
            if testCase.tools {
                let call = try #require(output.first { $0["type"] as? String == "function_call" })
                #expect(call["name"] as? String == "get_weather")
                #expect(try Self.cityArgument(call["arguments"] as? String ?? "") == "Paris")
                #expect((call["call_id"] as? String)?.isEmpty == false)
            } else {
                let message = try #require(output.first { $0["type"] as? String == "message" })
                let content = try #require(message["content"] as? [[String: Any]])
                #expect(content.first?["type"] as? String == "output_text")
                #expect((content.first?["text"] as? String)?.isEmpty == false)
            }
            let usage = try #require(response["usage"] as? [String: Any])
            #expect((usage["input_tokens"] as? Int ?? 0) > 0)
            #expect((usage["output_tokens"] as? Int ?? 0) > 0)
            let record = try await GatewayHarness.record(requestID, on: subscription)
            #expect(record.endpoint == "/v1/responses")
            #expect(record.outcome == .success)
            #expect(record.streamed == testCase.stream)
            #expect(record.promptTokens == usage["input_tokens"] as? Int)
            #expect(record.completionTokens == usage["output_tokens"] as? Int)
            if testCase.alias != "via-simulated" {
                let received = try #require(await fake.receivedRequests().last)
                #expect(received.bodyText.contains("Be brief."), "instructions reach the model")
                #expect(!received.bodyText.contains(testCase.alias))
            }
        }
    }

    @Test func refusesStateAndUnknownItemsWithA400NamingThem() async throws {
        let fake = try await FakeUpstream.start(apiKey: AdapterConformanceTests.upstreamKey)
        defer { Task { await fake.stop() } }
        try await withGateway { gateway in
            let key = try await AdapterConformanceTests.configure(gateway, fake: fake)
            let refused: [(String, String)] = [
                // OpenAI and Azure deployments take these (pass-through); a translated route refuses them.
                (#"{"model":"via-anthropic","input":"hi","previous_response_id":"resp_123"}"#, "previous_response_id"),
                (#"{"model":"via-gemini","input":"hi","previous_response_id":"resp_123"}"#, "previous_response_id"),
                (#"{"model":"via-anthropic","input":[{"type":"reasoning","id":"rs_1","summary":[]}]}"#, "input[0].type"),
                (#"{"model":"via-bedrock","input":[{"role":"user","content":[{"type":"input_audio","input_audio":{}}]}]}"#, "input[0].content[0].type"),
                (#"{"model":"via-openai","input":"hi","max_output_tokens":100000001}"#, "max_output_tokens"),
                (#"{"model":"via-openai","input":"hi","max_output_tokens":"many"}"#, "max_output_tokens"),
                (#"{"model":"via-simulated","input":"hi","tools":[{"type":"file_search","vector_store_ids":["vs_1"]}]}"#, "tools[0].type"),
            ]
            for (body, param) in refused {
                let reply = try await gateway.call("/v1/responses", key: key, json: body)
                #expect(reply.status == 400, "\(reply.text)")
                let error = try #require(try reply.json()["error"] as? [String: Any])
                #expect(error["type"] as? String == "invalid_request_error")
                #expect(error["param"] as? String == param)
                #expect((error["message"] as? String)?.contains(param) == true, "\(reply.text)")
            }
            #expect(await fake.receivedRequests().isEmpty, "nothing refused reaches a vendor")
            let get = try await gateway.call("/v1/responses", key: key, json: "{}", extraHeaders: [])
            #expect(get.status == 400)
        }
    }

    /// A vendor that hangs up mid-stream: the client gets `error` + `response.failed` (never a
    /// `response.completed`), the record says truncated, for OpenAI and Anthropic upstreams.
    @Test(arguments: ["via-openai", "via-anthropic"])
    func upstreamDisconnectEndsWithErrorAndFailed(_ alias: String) async throws {
        let fake = try await FakeUpstream.start(apiKey: AdapterConformanceTests.upstreamKey)
        defer { Task { await fake.stop() } }
        try await withGateway { gateway in
            let key = try await AdapterConformanceTests.configure(gateway, fake: fake)
            let subscription = gateway.gateway.runtime.bus.subscribe()
            defer { subscription.cancel() }
            // OpenAI passes the Responses stream through: its fourth event is still before the
            // first text, so the cut comes two deltas later.
            await fake.enqueue(.disconnectMidStream(afterEvents: alias == "via-openai" ? 6 : 4), path: alias == "via-openai" ? "/v1/responses" : "/v1/messages")
            let reply = try await gateway.call("/v1/responses", key: key, json: #"{"model":"\#(alias)","stream":true,"input":"tell me a long story"}"#)
            #expect(reply.status == 200)
            let events = sseEvents(reply.text).filter { $0.event != nil }
            #expect(events.contains { $0.event == "response.output_text.delta" }, "content before the failure reached the client")
            #expect(events.suffix(2).map(\.event) == ["error", "response.failed"], "\(reply.text)")
            #expect(!events.contains { $0.event == "response.completed" })
            let code = Self.string(events[events.count - 2].data, "code")
            #expect(["upstream_stream_failed", "upstream_stream_truncated"].contains(code ?? ""))
            let record = try await GatewayHarness.record(try #require(reply.header("x-request-id")), on: subscription)
            #expect(record.outcome == .truncated)
            #expect(record.errorClass == code)
            #expect(record.endpoint == "/v1/responses")
        }
    }

    static func string(_ data: String, _ key: String) -> String? {
        (try? JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any])?[key] as? String
    }

    static func cityArgument(_ arguments: String) throws -> String? {
        (try JSONSerialization.jsonObject(with: Data(arguments.utf8)) as? [String: Any])?["city"] as? String
    }
}
