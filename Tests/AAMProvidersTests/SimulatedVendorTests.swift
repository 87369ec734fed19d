import AAMCore
import Foundation
import Testing

@testable import AAMProviders

@Suite struct SimulatedVendorTests {
    static let vendor = SimulatedVendor(profile: SimulationProfile(completionTokens: 12), model: "sim-gpt")
    static let request = #"{"model":"sim","messages":[{"role":"system","content":"Be nice."},{"role":"user","content":"Tell me about gateways."}]}"#
    static let weatherRequest = #"{"model":"sim","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"What's the weather in Paris?"}],"tools":[{"type":"function","function":{"name":"lookup","parameters":{"type":"object","properties":{}}}},{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"location":{"type":"string"},"unit":{"type":"string","enum":["celsius","fahrenheit"]},"days":{"type":"integer"}}}}}]}"#

    @Test func chatCompletionIsDeterministicAndWellFormed() throws {
        let a = try Self.vendor.chatCompletion(request: Self.request.bytes, requestID: "abc", created: 100)
        let b = try Self.vendor.chatCompletion(request: Self.request.bytes, requestID: "abc", created: 100)
        #expect(a == b)
        let json = try #require(a.json)
        #expect(json["id"] == "chatcmpl-abc")
        #expect(json["object"] == "chat.completion")
        #expect(json["model"] == "sim-gpt")
        let choice = try #require(json["choices"]?.arrayValue?.first)
        #expect(choice["finish_reason"] == "stop")
        let text = try #require(choice["message"]?["content"]?.stringValue)
        #expect(text.split(separator: " ").count == 12)
        #expect(text.hasSuffix("."))
        let usage = try #require(ResponseTranslator.usage(fromOpenAIResponse: a))
        #expect(usage.completionTokens == 12)
        #expect(usage.promptTokens == (("Be nice.".utf8.count + "Tell me about gateways.".utf8.count) + 3) / 4)

        let other = try Self.vendor.chatCompletion(request: Self.request.replacingOccurrences(of: "gateways", with: "budgets").bytes, requestID: "abc", created: 100)
        #expect(other.json?["choices"]?.arrayValue?.first?["message"]?["content"] != choice["message"]?["content"], "different request, different text")
    }

    @Test func maxTokensCapsTheAnswerWithLength() throws {
        let body = #"{"messages":[{"role":"user","content":"x"}],"max_tokens":5,"n":2}"#
        let json = try #require(try Self.vendor.chatCompletion(request: body.bytes, requestID: "r", created: 0).json)
        let choices = try #require(json["choices"]?.arrayValue)
        #expect(choices.count == 2)
        #expect(choices.allSatisfy { $0["finish_reason"] == "length" })
        #expect(json["usage"]?["completion_tokens"] == 10)
    }

    @Test func streamMatchesTheNonStreamingAnswer() throws {
        let chunks = try Self.vendor.chatCompletionChunks(request: Self.request.bytes, requestID: "abc", created: 100)
        let events = chunks.flatMap { SSE.events($0) }
        #expect(events.count == chunks.count, "one event per element")
        #expect(events.count == 1 + 12 + 1 + 1, "role, tokens, finish, [DONE]; no usage chunk unless asked")
        #expect(events.last == SSEEvent.openAIDone)
        var translator = OpenAIToAnthropicStream(responseModel: "m")
        for event in events { _ = try translator.translate(event) }
        #expect(translator.sawTerminalEvent)
        let streamedText = events.compactMap { try? WireJSON.parse($0.data)["choices"]?.arrayValue?.first?["delta"]?["content"]?.stringValue }.joined()
        let full = try Self.vendor.chatCompletion(request: Self.request.bytes, requestID: "abc", created: 100).json
        #expect(streamedText == full?["choices"]?.arrayValue?.first?["message"]?["content"]?.stringValue)
    }

    @Test func weatherQuestionWithToolsStreamsAToolCall() throws {
        let chunks = try Self.vendor.chatCompletionChunks(request: Self.weatherRequest.bytes, requestID: "w", created: 1)
        var translator = OpenAIPassthroughStream(clientRequestedUsage: true)
        var arguments = ""
        var fragments = 0
        var name: String?
        var finish: String?
        for event in chunks.flatMap({ SSE.events($0) }) {
            _ = try translator.translate(event)
            guard let json = try? WireJSON.parse(event.data), let choice = json["choices"]?.arrayValue?.first else { continue }
            if let call = choice["delta"]?["tool_calls"]?.arrayValue?.first {
                if let n = call["function"]?["name"]?.stringValue { name = n }
                if let a = call["function"]?["arguments"]?.stringValue, !a.isEmpty {
                    arguments += a
                    fragments += 1
                }
            }
            if let f = choice["finish_reason"]?.stringValue { finish = f }
        }
        #expect(name == "get_weather")
        #expect(finish == "tool_calls")
        #expect(fragments >= 3, "arguments streamed in several deltas")
        let parsed = try WireJSON.parse(arguments)
        #expect(parsed["unit"] == "celsius")
        #expect(parsed["location"]?.stringValue?.isEmpty == false)
        #expect(parsed["days"]?.intValue != nil)
        #expect(translator.usage?.completionTokens == 12)
        #expect(translator.sawTerminalEvent)
    }

    @Test func toolChoiceForcesAndNoneSuppressesToolCalls() throws {
        let forced = #"{"messages":[{"role":"user","content":"hello"}],"tools":[{"type":"function","function":{"name":"a"}},{"type":"function","function":{"name":"b"}}],"tool_choice":{"type":"function","function":{"name":"b"}}}"#
        let json = try #require(try Self.vendor.chatCompletion(request: forced.bytes, requestID: "f", created: 0).json)
        #expect(json["choices"]?.arrayValue?.first?["message"]?["tool_calls"]?.arrayValue?.first?["function"]?["name"] == "b")

        let none = Self.weatherRequest.replacingOccurrences(of: #""stream":true"#, with: #""tool_choice":"none""#)
        let plain = try #require(try Self.vendor.chatCompletion(request: none.bytes, requestID: "n", created: 0).json)
        #expect(plain["choices"]?.arrayValue?.first?["message"]?["tool_calls"] == nil)
    }

    @Test func afterAToolResultTheVendorAnswersWithText() throws {
        let body = #"{"messages":[{"role":"user","content":"weather?"},{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"get_weather","arguments":"{}"}}]},{"role":"tool","tool_call_id":"c","content":"sunny"}],"tools":[{"type":"function","function":{"name":"get_weather"}}]}"#
        let json = try #require(try Self.vendor.chatCompletion(request: body.bytes, requestID: "t", created: 0).json)
        #expect(json["choices"]?.arrayValue?.first?["finish_reason"] == "stop")
    }

    @Test func usageChunkWhenAsked() throws {
        let chunks = try Self.vendor.chatCompletionChunks(request: Self.weatherRequest.bytes, requestID: "w", created: 1)
        let usageEvent = try #require(SSE.events(chunks[chunks.count - 2]).first)
        let json = try WireJSON.parse(usageEvent.data)
        #expect(json["choices"] == [])
        #expect(json["usage"]?["completion_tokens"] == 12)
    }

    @Test func badRequestsAreRejected() {
        #expect(throws: TranslationError.self) { try Self.vendor.chatCompletion(request: "{}".bytes, requestID: "x", created: 0) }
        let error = #expect(throws: TranslationError.self) {
            try Self.vendor.chatCompletionChunks(request: #"{"messages":[{"role":"user","content":"x"}],"n":99}"#.bytes, requestID: "x", created: 0)
        }
        #expect(error?.param == "n")
    }

    @Test func failuresAreDecidedByTheRoll() {
        let flaky = SimulatedVendor(profile: SimulationProfile(errorRate: 0.25), model: "m")
        #expect(flaky.shouldFail(roll: 0.1))
        #expect(!flaky.shouldFail(roll: 0.25))
        #expect(!Self.vendor.shouldFail(roll: 0))
        let roll = SimulatedVendor.roll(forRequest: Self.request.bytes, requestID: "1")
        #expect(roll == SimulatedVendor.roll(forRequest: Self.request.bytes, requestID: "1"))
        #expect(roll != SimulatedVendor.roll(forRequest: Self.request.bytes, requestID: "2"))
        #expect((0..<1).contains(roll))
    }

    @Test func errorBodiesAreOpenAIShaped() {
        let body = Self.vendor.errorBody(status: 429)
        #expect(body.json == .literal(#"{"error":{"message":"Rate limit reached for requests. Please try again in 1s.","type":"requests","param":null,"code":"rate_limit_exceeded"}}"#))
        for status in [400, 401, 403, 404, 500, 502, 503] {
            #expect(UpstreamErrorReader.read(Self.vendor.errorBody(status: status)) != nil)
        }
    }

    @Test func embeddingsAreDeterministicUnitVectors() throws {
        let body = #"{"model":"emb","input":["hello","world","hello"]}"#
        let json = try #require(try Self.vendor.embeddings(request: body.bytes).json)
        let data = try #require(json["data"]?.arrayValue)
        #expect(data.count == 3)
        let vectors = data.map { ($0["embedding"]?.arrayValue ?? []).compactMap(\.doubleValue) }
        #expect(vectors.allSatisfy { $0.count == 8 })
        #expect(vectors[0] == vectors[2])
        #expect(vectors[0] != vectors[1])
        for vector in vectors { #expect(abs(vector.reduce(0) { $0 + $1 * $1 } - 1) < 1e-4) }
        #expect(data[1]["index"] == 1)
        #expect(json["usage"]?["prompt_tokens"] == 6)

        let sized = try #require(try Self.vendor.embeddings(request: #"{"model":"e","input":"x","dimensions":3,"encoding_format":"base64"}"#.bytes).json)
        let encoded = try #require(sized["data"]?.arrayValue?.first?["embedding"]?.stringValue)
        #expect(Data(base64Encoded: encoded)?.count == 3 * 4)
    }

    @Test func profileDecodingFillsDefaultsAndPacing() throws {
        let profile = try JSONDecoder().decode(SimulationProfile.self, from: Data(#"{"ttftMs":200}"#.utf8))
        #expect(profile == SimulationProfile(ttftMs: 200))
        #expect(profile.delayMilliseconds(beforeChunk: 0) == 200)
        #expect(profile.delayMilliseconds(beforeChunk: 3) == 5)
        let encoded = try JSONEncoder().encode(SimulationProfile(errorRate: 0.5))
        #expect(try JSONDecoder().decode(SimulationProfile.self, from: encoded).errorRate == 0.5)
    }
}
