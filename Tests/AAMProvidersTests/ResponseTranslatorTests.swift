import AAMCore
import Testing

@testable import AAMProviders

@Suite struct ResponseTranslatorTests {
    @Test func anthropicMessageToOpenAIGolden() throws {
        let out = try ResponseTranslator.anthropicToOpenAI(Fixture.bytes("anthropic/message_response.json"), responseModel: "smart", created: 1_735_689_600)
        #expect(out.body.json == (try Fixture.json("anthropic/message_response.to_openai.json")), "\(out.body.text)")
        #expect(out.usage == TokenUsage(promptTokens: 600, completionTokens: 89, cachedPromptTokens: 128))
    }

    @Test func openAICompletionToAnthropicGolden() throws {
        let out = try ResponseTranslator.openAIToAnthropic(Fixture.bytes("openai/chat_response.json"), responseModel: "smart")
        #expect(out.body.json == (try Fixture.json("openai/chat_response.to_anthropic.json")), "\(out.body.text)")
        #expect(out.usage == TokenUsage(promptTokens: 1117, completionTokens: 46, cachedPromptTokens: 1024))
    }

    @Test func openAIToolCallsToAnthropicGolden() throws {
        let out = try ResponseTranslator.openAIToAnthropic(Fixture.bytes("openai/chat_response_tool_calls.json"), responseModel: "smart")
        #expect(out.body.json == (try Fixture.json("openai/chat_response_tool_calls.to_anthropic.json")), "\(out.body.text)")
    }

    @Test(arguments: [
        ("end_turn", "stop"), ("max_tokens", "length"), ("stop_sequence", "stop"), ("tool_use", "tool_calls"), ("refusal", "content_filter"),
    ])
    func stopReasonsMapBothWays(anthropic: String, openAI: String) throws {
        let message = #"{"id":"msg_1","type":"message","role":"assistant","content":[{"type":"text","text":"x"}],"stop_reason":"\#(anthropic)","usage":{"input_tokens":1,"output_tokens":1}}"#
        let out = try ResponseTranslator.anthropicToOpenAI(message.bytes, responseModel: "m", created: 0)
        #expect(out.body.json?["choices"]?.arrayValue?.first?["finish_reason"] == .string(openAI))

        let completion = #"{"id":"chatcmpl-1","choices":[{"index":0,"message":{"role":"assistant","content":"x"},"finish_reason":"\#(openAI)"}]}"#
        let back = try ResponseTranslator.openAIToAnthropic(completion.bytes, responseModel: "m")
        let expected = anthropic == "stop_sequence" ? "end_turn" : anthropic  // OpenAI does not say which sequence hit
        #expect(back.body.json?["stop_reason"] == .string(expected))
    }

    @Test func refusalBecomesTextWithRefusalStop() throws {
        let completion = #"{"id":"chatcmpl-1","choices":[{"index":0,"message":{"role":"assistant","content":null,"refusal":"I can't help with that."},"finish_reason":"stop"}]}"#
        let out = try #require(try ResponseTranslator.openAIToAnthropic(completion.bytes, responseModel: "m").body.json)
        #expect(out["content"] == .literal(#"[{"type":"text","text":"I can't help with that."}]"#))
        #expect(out["stop_reason"] == "refusal")
        #expect(out["usage"]?["output_tokens"] == 0)
    }

    @Test func usageReaders() throws {
        #expect(ResponseTranslator.usage(fromOpenAIResponse: try Fixture.bytes("openai/chat_response.json")) == TokenUsage(promptTokens: 1117, completionTokens: 46, cachedPromptTokens: 1024))
        #expect(ResponseTranslator.usage(fromAnthropicResponse: try Fixture.bytes("anthropic/message_response.json")) == TokenUsage(promptTokens: 600, completionTokens: 89, cachedPromptTokens: 128))
        #expect(ResponseTranslator.usage(fromOpenAIResponse: #"{"id":"x"}"#.bytes) == nil)
        #expect(ResponseTranslator.usage(fromAnthropicResponse: #"{"usage":null}"#.bytes) == nil)
    }

    @Test func upstreamErrorReaderReadsBothShapes() {
        let openAI = UpstreamErrorReader.read(#"{"error":{"message":"Rate limit reached","type":"requests","param":null,"code":"rate_limit_exceeded"}}"#.bytes)
        #expect(openAI?.type == "requests")
        #expect(openAI?.message == "Rate limit reached")
        let anthropic = UpstreamErrorReader.read(#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#.bytes)
        #expect(anthropic?.type == "overloaded_error")
        #expect(anthropic?.message == "Overloaded")
        #expect(UpstreamErrorReader.read(#"{"error":"bad gateway"}"#.bytes)?.message == "bad gateway")
        #expect(UpstreamErrorReader.read(#"{"message":"Internal server error"}"#.bytes)?.message == "Internal server error")
        #expect(UpstreamErrorReader.read("<html>502</html>".bytes) == nil)
        #expect(UpstreamErrorReader.read(#"{"error":{"code":5}}"#.bytes) == nil)
    }
}
