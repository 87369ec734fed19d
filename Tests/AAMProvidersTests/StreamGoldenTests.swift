import AAMCore
import Testing

@testable import AAMProviders

/// Recorded upstream streams translated to the other protocol, compared event by event.
@Suite struct StreamGoldenTests {
    @Test func anthropicStreamToOpenAIGolden() throws {
        var translator = AnthropicToOpenAIStream(responseModel: "smart", clientRequestedUsage: true, created: 1_735_689_600)
        let out = try SSE.run(&translator, upstream: Fixture.bytes("anthropic/stream_tool_use.sse"))
        expectSameEvents(SSE.events(out), try Fixture.events("anthropic/stream_tool_use.to_openai.sse"))
        #expect(out.text.hasSuffix("data: [DONE]\n\n"))
        #expect(translator.sawTerminalEvent)
        #expect(translator.upstreamError == nil)
        #expect(translator.usage == TokenUsage(promptTokens: 472, completionTokens: 89, cachedPromptTokens: 0))
    }

    @Test func openAIStreamToAnthropicGolden() throws {
        var translator = OpenAIToAnthropicStream(responseModel: "smart")
        let out = try SSE.run(&translator, upstream: Fixture.bytes("openai/stream_tool_calls.sse"))
        expectSameEvents(SSE.events(out), try Fixture.events("openai/stream_tool_calls.to_anthropic.sse"))
        #expect(translator.sawTerminalEvent)
        #expect(translator.usage == TokenUsage(promptTokens: 85, completionTokens: 48, cachedPromptTokens: 0))
    }

    @Test func openAIPassthroughIsByteFaithful() throws {
        let upstream = try Fixture.bytes("openai/stream_tool_calls.sse")
        var translator = OpenAIPassthroughStream(clientRequestedUsage: true)
        #expect(try SSE.run(&translator, upstream: upstream) == upstream)
        #expect(translator.usage == TokenUsage(promptTokens: 85, completionTokens: 48, cachedPromptTokens: 0))
        #expect(translator.sawTerminalEvent)
    }

    @Test func anthropicPassthroughIsByteFaithful() throws {
        let upstream = try Fixture.bytes("anthropic/stream_tool_use.sse")
        var translator = AnthropicPassthroughStream()
        #expect(try SSE.run(&translator, upstream: upstream) == upstream)
        #expect(translator.usage == TokenUsage(promptTokens: 472, completionTokens: 89, cachedPromptTokens: 0))
        #expect(translator.sawTerminalEvent)
        #expect(translator.emittedContent)
    }

    @Test func anthropicToOpenAIArgumentDeltasConcatenateToTheOriginalJSON() throws {
        var translator = AnthropicToOpenAIStream(responseModel: "m", clientRequestedUsage: false, created: 0)
        let out = try SSE.run(&translator, upstream: Fixture.bytes("anthropic/stream_tool_use.sse"))
        let arguments = SSE.events(out).compactMap { event -> String? in
            guard let json = try? WireJSON.parse(event.data) else { return nil }
            return json["choices"]?.arrayValue?.first?["delta"]?["tool_calls"]?.arrayValue?.first?["function"]?["arguments"]?.stringValue
        }.joined()
        #expect(arguments == #"{"location": "San Francisco, CA", "unit": "fahrenheit"}"#)
        #expect(try WireJSON.parse(arguments) == .literal(#"{"location":"San Francisco, CA","unit":"fahrenheit"}"#))
    }

    @Test func openAIToAnthropicArgumentDeltasConcatenatePerBlock() throws {
        var translator = OpenAIToAnthropicStream(responseModel: "m")
        let out = try SSE.run(&translator, upstream: Fixture.bytes("openai/stream_tool_calls.sse"))
        var partials: [Int: String] = [:]
        for event in SSE.events(out) where event.event == "content_block_delta" {
            let json = try WireJSON.parse(event.data)
            guard let index = json["index"]?.intValue, let partial = json["delta"]?["partial_json"]?.stringValue else { continue }
            partials[index, default: ""] += partial
        }
        #expect(partials == [1: #"{"location": "Paris, France"}"#, 2: #"{"location": "Tokyo, Japan"}"#])
    }

    @Test func translationSurvivesArbitraryChunking() throws {
        let upstream = try Fixture.bytes("anthropic/stream_tool_use.sse")
        var reference = AnthropicToOpenAIStream(responseModel: "m", clientRequestedUsage: true, created: 0)
        let expected = try SSE.run(&reference, upstream: upstream)
        for chunkSize in [1, 5, 64, 333] {
            var parser = SSEParser()
            var translator = AnthropicToOpenAIStream(responseModel: "m", clientRequestedUsage: true, created: 0)
            var out: [UInt8] = []
            for start in stride(from: 0, to: upstream.count, by: chunkSize) {
                for event in try parser.append(upstream[start..<min(start + chunkSize, upstream.count)]) { out += try translator.translate(event) }
            }
            for event in parser.finish() { out += try translator.translate(event) }
            out += translator.finish()
            #expect(out == expected, "chunk size \(chunkSize)")
        }
    }
}
