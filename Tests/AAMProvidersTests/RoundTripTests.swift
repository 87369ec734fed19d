import Testing

@testable import AAMProviders

/// OpenAI -> Anthropic -> OpenAI keeps what both protocols can express.
@Suite struct RoundTripTests {
    @Test func openAIRequestSurvivesARoundTrip() throws {
        let original = try Fixture.bytes("openai/chat_request.json")
        let anthropic = try RequestTranslator.openAIToAnthropic(original, upstreamModel: "claude")
        let back = try #require(try RequestTranslator.anthropicToOpenAI(anthropic, upstreamModel: "gpt-4o").json)
        let source = try #require(original.json)

        let messages = try #require(back["messages"]?.arrayValue)
        #expect(messages.map { $0["role"]?.stringValue ?? "?" } == ["system", "user", "assistant", "tool", "tool", "user"])
        // Same texts, same tool calls (arguments compared as JSON), same tool results, in order.
        let sourceMessages = try #require(source["messages"]?.arrayValue)
        #expect(messages[0]["content"] == sourceMessages[0]["content"])
        #expect(messages[1]["content"] == sourceMessages[1]["content"])
        let calls = try #require(messages[2]["tool_calls"]?.arrayValue)
        let sourceCalls = try #require(sourceMessages[2]["tool_calls"]?.arrayValue)
        #expect(calls.count == sourceCalls.count)
        for (call, sourceCall) in zip(calls, sourceCalls) {
            #expect(call["id"] == sourceCall["id"])
            #expect(call["function"]?["name"] == sourceCall["function"]?["name"])
            let args = try WireJSON.parse(call["function"]?["arguments"]?.stringValue ?? "")
            let sourceArgs = try WireJSON.parse(sourceCall["function"]?["arguments"]?.stringValue ?? "")
            #expect(args == sourceArgs)
        }
        for i in 3...4 {
            #expect(messages[i]["tool_call_id"] == sourceMessages[i]["tool_call_id"])
            #expect(messages[i]["content"] == sourceMessages[i]["content"])
        }
        let userParts = try #require(messages[5]["content"]?.arrayValue)
        #expect(userParts.first == .literal(#"{"type":"text","text":"Thanks! Which city is warmer?"}"#))
        #expect(userParts.last?["image_url"]?["url"] == "data:image/png;base64,iVBORw0KGgo=")

        #expect(back["stop"] == source["stop"])
        #expect(back["max_completion_tokens"] == source["max_completion_tokens"])
        #expect(back["temperature"] == source["temperature"])
        #expect(back["top_p"] == source["top_p"])
        #expect(back["tool_choice"] == source["tool_choice"])
        #expect(back["user"] == source["user"])
        let tool = try #require(back["tools"]?.arrayValue?.first)
        let sourceTool = try #require(source["tools"]?.arrayValue?.first)
        #expect(tool["function"]?["name"] == sourceTool["function"]?["name"])
        #expect(tool["function"]?["parameters"] == sourceTool["function"]?["parameters"])
    }

    @Test func anthropicRequestSurvivesARoundTrip() throws {
        let original = try Fixture.bytes("anthropic/messages_request.json")
        let openAI = try RequestTranslator.anthropicToOpenAI(original, upstreamModel: "gpt")
        let back = try #require(try RequestTranslator.openAIToAnthropic(openAI, upstreamModel: "claude").json)
        let source = try #require(original.json)
        #expect(back["system"] == "You are a concise assistant.")
        #expect(back["stop_sequences"] == source["stop_sequences"])
        #expect(back["max_tokens"] == source["max_tokens"])
        #expect(back["tool_choice"] == source["tool_choice"])
        #expect(back["tools"]?.arrayValue?.first?["input_schema"] == source["tools"]?.arrayValue?.first?["input_schema"])
        let messages = try #require(back["messages"]?.arrayValue)
        #expect(messages.count == 3)
        #expect(messages[1]["content"] == source["messages"]?.arrayValue?[1]["content"])
        #expect(messages[2]["content"] == .literal(#"[{"type":"tool_result","tool_use_id":"toolu_01A09q90qw90lq917835lq9","content":"12°C, light rain"},{"type":"text","text":"Should I take an umbrella?"}]"#))
    }

    @Test func responsesSurviveARoundTrip() throws {
        let original = try Fixture.bytes("anthropic/message_response.json")
        let openAI = try ResponseTranslator.anthropicToOpenAI(original, responseModel: "smart", created: 1)
        let back = try ResponseTranslator.openAIToAnthropic(openAI.body, responseModel: "claude-sonnet-4-20250514")
        var expected = try #require(original.json?.objectValue)
        expected["usage"] = .literal(#"{"input_tokens":472,"cache_creation_input_tokens":0,"cache_read_input_tokens":128,"output_tokens":89}"#)
        #expect(back.body.json == .object(expected))
        #expect(back.usage == openAI.usage)
    }
}
