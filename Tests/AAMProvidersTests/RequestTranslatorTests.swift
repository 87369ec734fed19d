import Testing

@testable import AAMProviders

@Suite struct RequestTranslatorTests {
    @Test func openAIRequestToAnthropicGolden() throws {
        let out = try RequestTranslator.openAIToAnthropic(Fixture.bytes("openai/chat_request.json"), upstreamModel: "claude-sonnet-4-20250514")
        #expect(out.json == (try Fixture.json("openai/chat_request.to_anthropic.json")), "\(out.text)")
    }

    @Test func anthropicRequestToOpenAIGolden() throws {
        let out = try RequestTranslator.anthropicToOpenAI(Fixture.bytes("anthropic/messages_request.json"), upstreamModel: "gpt-4o-mini")
        #expect(out.json == (try Fixture.json("anthropic/messages_request.to_openai.json")), "\(out.text)")
    }

    @Test func toolSchemaKeyOrderSurvivesTranslation() throws {
        let out = try RequestTranslator.openAIToAnthropic(Fixture.bytes("openai/chat_request.json"), upstreamModel: "m").text
        #expect(out.contains(#""properties":{"location":{"type":"string","description":"City and country"},"unit":"#))
    }

    @Test func defaultsAndSimpleMappings() throws {
        let body = #"{"model":"a","messages":[{"role":"developer","content":"Be brief."},{"role":"user","content":"Hi"}],"stop":"<END>","temperature":1.6,"max_tokens":50}"#
        let out = try #require(try RequestTranslator.openAIToAnthropic(body.bytes, upstreamModel: "claude").json)
        #expect(out["max_tokens"] == 50)
        #expect(out["system"] == "Be brief.")
        #expect(out["stop_sequences"] == ["<END>"])
        #expect(out["temperature"] == 1, "clamped to Anthropic's range")
        #expect(out["model"] == "claude")
        #expect(out["stream"] == nil)

        let minimal = try #require(try RequestTranslator.openAIToAnthropic(#"{"messages":[{"role":"user","content":"Hi"}]}"#.bytes, upstreamModel: "c", defaultMaxTokens: 1000).json)
        #expect(minimal["max_tokens"] == 1000)
        #expect(minimal["system"] == nil)
    }

    @Test func multipleSystemMessagesBecomeBlocks() throws {
        let body = #"{"messages":[{"role":"system","content":"One."},{"role":"user","content":"Hi"},{"role":"system","content":[{"type":"text","text":"Two."}]}]}"#
        let out = try #require(try RequestTranslator.openAIToAnthropic(body.bytes, upstreamModel: "c").json)
        #expect(out["system"] == .literal(#"[{"type":"text","text":"One."},{"type":"text","text":"Two."}]"#))
    }

    @Test(arguments: [
        (#""none""#, #"{"type":"none"}"#),
        (#""required""#, #"{"type":"any"}"#),
        (#"{"type":"function","function":{"name":"f"}}"#, #"{"type":"tool","name":"f"}"#),
    ])
    func toolChoiceMapping(openAI: String, anthropic: String) throws {
        let body = #"{"messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":\#(openAI)}"#
        let out = try #require(try RequestTranslator.openAIToAnthropic(body.bytes, upstreamModel: "c").json)
        #expect(out["tool_choice"] == .literal(anthropic))
        #expect(out["tools"]?.arrayValue?.first?["input_schema"] == .literal(#"{"type":"object","properties":{}}"#))
    }

    @Test func parallelToolCallsFalseDisablesParallelUse() throws {
        let body = #"{"messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f"}}],"parallel_tool_calls":false}"#
        let out = try #require(try RequestTranslator.openAIToAnthropic(body.bytes, upstreamModel: "c").json)
        #expect(out["tool_choice"] == .literal(#"{"type":"auto","disable_parallel_tool_use":true}"#))
    }

    @Test func responseFormatBecomesASystemInstruction() throws {
        let schema = #"{"type":"json_schema","json_schema":{"name":"answer","schema":{"type":"object","properties":{"city":{"type":"string"}}}}}"#
        let body = #"{"messages":[{"role":"system","content":"Sys."},{"role":"user","content":"x"}],"response_format":\#(schema)}"#
        let out = try #require(try RequestTranslator.openAIToAnthropic(body.bytes, upstreamModel: "c").json)
        let blocks = try #require(out["system"]?.arrayValue)
        #expect(blocks.count == 2)
        let instruction = try #require(blocks[1]["text"]?.stringValue)
        #expect(instruction.contains("JSON"))
        #expect(instruction.contains(#"{"type":"object","properties":{"city":{"type":"string"}}}"#))

        let jsonObject = #"{"messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_object"}}"#
        let plain = try #require(try RequestTranslator.openAIToAnthropic(jsonObject.bytes, upstreamModel: "c").json)
        #expect(plain["system"]?.stringValue?.contains("JSON object") == true)
    }

    @Test func imageURLsMapToURLSources() throws {
        let body = #"{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://example.com/cat.png"}}]}]}"#
        let out = try #require(try RequestTranslator.openAIToAnthropic(body.bytes, upstreamModel: "c").json)
        #expect(out["messages"]?.arrayValue?.first?["content"] == .literal(#"[{"type":"image","source":{"type":"url","url":"https://example.com/cat.png"}}]"#))
    }

    @Test func anthropicStreamAddsIncludeUsageAndStringContentStays() throws {
        let body = #"{"model":"x","max_tokens":10,"messages":[{"role":"user","content":"Hi"}],"stream":true,"system":"S"}"#
        let out = try #require(try RequestTranslator.anthropicToOpenAI(body.bytes, upstreamModel: "gpt").json)
        #expect(out == .literal(#"{"model":"gpt","messages":[{"role":"system","content":"S"},{"role":"user","content":"Hi"}],"max_completion_tokens":10,"stream":true,"stream_options":{"include_usage":true}}"#))
    }

    @Test func anthropicImagesBecomeDataURLs() throws {
        let body = #"{"messages":[{"role":"user","content":[{"type":"text","text":"What is this?"},{"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"/9j/4AAQ"}}]}]}"#
        let out = try #require(try RequestTranslator.anthropicToOpenAI(body.bytes, upstreamModel: "gpt").json)
        #expect(out["messages"]?.arrayValue?.first?["content"] == .literal(#"[{"type":"text","text":"What is this?"},{"type":"image_url","image_url":{"url":"data:image/jpeg;base64,/9j/4AAQ"}}]"#))
    }

    @Test func assistantToolUseWithoutTextHasNullContent() throws {
        let body = #"{"messages":[{"role":"user","content":"x"},{"role":"assistant","content":[{"type":"thinking","thinking":"hm","signature":"s"},{"type":"tool_use","id":"t1","name":"f","input":{}}]}]}"#
        let out = try #require(try RequestTranslator.anthropicToOpenAI(body.bytes, upstreamModel: "gpt").json)
        #expect(out["messages"]?.arrayValue?.last == .literal(#"{"role":"assistant","content":null,"tool_calls":[{"id":"t1","type":"function","function":{"name":"f","arguments":"{}"}}]}"#))
    }
}
