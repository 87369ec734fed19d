import AAMCore
import Testing

@testable import AAMProviders

/// Stream translator contract: usage, terminal detection, content flags, errors, usage stripping.
@Suite struct StreamBehaviourTests {
    static let anthropicText = """
        event: message_start
        data: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":10,"cache_read_input_tokens":5,"output_tokens":1}}}

        event: content_block_start
        data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}

        event: content_block_stop
        data: {"type":"content_block_stop","index":0}

        event: message_delta
        data: {"type":"message_delta","delta":{"stop_reason":"max_tokens","stop_sequence":null},"usage":{"output_tokens":7}}

        event: message_stop
        data: {"type":"message_stop"}


        """

    static let openAIText = """
        data: {"id":"chatcmpl-9","object":"chat.completion.chunk","created":1,"model":"gpt","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"usage":null}

        data: {"id":"chatcmpl-9","object":"chat.completion.chunk","created":1,"model":"gpt","choices":[{"index":0,"delta":{"content":"Hello"},"logprobs":null,"finish_reason":null}],"usage":null}

        data: {"id":"chatcmpl-9","object":"chat.completion.chunk","created":1,"model":"gpt","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"length"}],"usage":null}

        data: {"id":"chatcmpl-9","object":"chat.completion.chunk","created":1,"model":"gpt","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15,"prompt_tokens_details":{"cached_tokens":4}}}

        data: [DONE]


        """

    // MARK: OpenAI pass-through

    @Test func usageChunkIsStrippedWhenTheClientDidNotAskButStillRecorded() throws {
        var translator = OpenAIPassthroughStream(clientRequestedUsage: false)
        let out = try SSE.run(&translator, upstream: Self.openAIText.bytes)
        let events = SSE.events(out)
        #expect(events.count == 4)
        #expect(!out.text.contains("\"prompt_tokens\""))
        #expect(events.last == SSEEvent.openAIDone)
        #expect(translator.usage == TokenUsage(promptTokens: 12, completionTokens: 3, cachedPromptTokens: 4))
    }

    @Test func usageOnAContentChunkIsRemovedButTheContentKept() throws {
        let chunk = #"data: {"id":"c","choices":[{"index":0,"delta":{"content":"x"},"finish_reason":"stop"}],"usage":{"prompt_tokens":2,"completion_tokens":1}}"# + "\n\n"
        var translator = OpenAIPassthroughStream(clientRequestedUsage: false)
        let out = try SSE.run(&translator, upstream: chunk.bytes)
        #expect(out.text == #"data: {"id":"c","choices":[{"index":0,"delta":{"content":"x"},"finish_reason":"stop"}]}"# + "\n\n")
        #expect(translator.usage?.promptTokens == 2)
    }

    @Test func emittedContentIgnoresTheRoleChunk() throws {
        var translator = OpenAIPassthroughStream(clientRequestedUsage: true)
        let events = SSE.events(Self.openAIText.bytes)
        _ = try translator.translate(events[0])
        #expect(!translator.emittedContent)
        _ = try translator.translate(events[1])
        #expect(translator.emittedContent)
    }

    @Test func truncatedOpenAIStreamIsNotTerminated() throws {
        let events = SSE.events(Self.openAIText.bytes).dropLast()
        var passthrough = OpenAIPassthroughStream(clientRequestedUsage: true)
        var toAnthropic = OpenAIToAnthropicStream(responseModel: "m")
        for event in events {
            _ = try passthrough.translate(event)
            _ = try toAnthropic.translate(event)
        }
        #expect(!passthrough.sawTerminalEvent && passthrough.finish().isEmpty)
        #expect(!toAnthropic.sawTerminalEvent)
        #expect(toAnthropic.finish().isEmpty, "no fake message_stop")
    }

    @Test func openAIInBandErrorIsRecorded() throws {
        var translator = OpenAIPassthroughStream(clientRequestedUsage: false)
        let error = SSEEvent(data: #"{"error":{"message":"boom","type":"server_error","code":null,"param":null}}"#)
        #expect(try translator.translate(error) == error.encoded())
        #expect(translator.upstreamError == UpstreamStreamError(type: "server_error", message: "boom"))
    }

    // MARK: Anthropic -> OpenAI

    @Test func anthropicTextStreamToOpenAIWithoutUsage() throws {
        var translator = AnthropicToOpenAIStream(responseModel: "smart", clientRequestedUsage: false, created: 5)
        let out = try SSE.run(&translator, upstream: Self.anthropicText.bytes)
        let header = #""id":"chatcmpl-1","object":"chat.completion.chunk","created":5,"model":"smart""#
        let expected = """
            data: {\(header),"choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}

            data: {\(header),"choices":[{"index":0,"delta":{"content":"Hi"},"logprobs":null,"finish_reason":null}]}

            data: {\(header),"choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"length"}]}

            data: [DONE]


            """
        #expect(out.text == expected, "exact bytes")
        #expect(translator.usage == TokenUsage(promptTokens: 15, completionTokens: 7, cachedPromptTokens: 5))
    }

    @Test func finishAfterTheTerminalEventAddsNothing() throws {
        var toOpenAI = AnthropicToOpenAIStream(responseModel: "m", clientRequestedUsage: true, created: 0)
        let out = try SSE.run(&toOpenAI, upstream: Self.anthropicText.bytes)
        #expect(out.text.components(separatedBy: "[DONE]").count == 2, "exactly one [DONE]")
        #expect(toOpenAI.finish().isEmpty)
        var toAnthropic = OpenAIToAnthropicStream(responseModel: "m")
        let anthropic = try SSE.run(&toAnthropic, upstream: Self.openAIText.bytes)
        #expect(SSE.events(anthropic).filter { $0.event == "message_stop" }.count == 1)
        #expect(toAnthropic.finish().isEmpty)
    }

    @Test func anthropicPreambleIsNotContent() throws {
        var translator = AnthropicToOpenAIStream(responseModel: "m", clientRequestedUsage: false, created: 0)
        let events = SSE.events(Self.anthropicText.bytes)
        #expect(!(try translator.translate(events[0]).isEmpty))
        _ = try translator.translate(events[1])
        _ = try translator.translate(SSEEvent(event: "ping", data: #"{"type": "ping"}"#))
        #expect(!translator.emittedContent)
        _ = try translator.translate(events[2])
        #expect(translator.emittedContent)
    }

    @Test func anthropicErrorEventBecomesAnOpenAIErrorWithoutDone() throws {
        let upstream = """
            event: message_start
            data: {"type":"message_start","message":{"id":"msg_1","usage":{"input_tokens":3,"output_tokens":0}}}

            event: error
            data: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}


            """
        var translator = AnthropicToOpenAIStream(responseModel: "m", clientRequestedUsage: true, created: 0)
        let out = try SSE.run(&translator, upstream: upstream.bytes)
        let last = try #require(SSE.events(out).last)
        #expect(try WireJSON.parse(last.data) == .literal(#"{"error":{"message":"Overloaded","type":"server_error","code":"overloaded_error","param":null}}"#))
        #expect(!out.text.contains("[DONE]"))
        #expect(translator.upstreamError == UpstreamStreamError(type: "overloaded_error", message: "Overloaded"))
        #expect(!translator.sawTerminalEvent)
        #expect(!translator.emittedContent, "server may still fall back")
    }

    @Test func truncatedAnthropicStreamGetsNoDone() throws {
        let events = SSE.events(Self.anthropicText.bytes).dropLast()
        var translator = AnthropicToOpenAIStream(responseModel: "m", clientRequestedUsage: false, created: 0)
        var passthrough = AnthropicPassthroughStream()
        for event in events {
            _ = try translator.translate(event)
            _ = try passthrough.translate(event)
        }
        #expect(!translator.sawTerminalEvent)
        #expect(translator.finish().isEmpty)
        #expect(!passthrough.sawTerminalEvent)
        #expect(passthrough.usage == TokenUsage(promptTokens: 15, completionTokens: 7, cachedPromptTokens: 5))
    }

    @Test func malformedEventThrowsNamingTheEvent() {
        var translator = AnthropicToOpenAIStream(responseModel: "m", clientRequestedUsage: false, created: 0)
        let error = #expect(throws: TranslationError.self) { try translator.translate(SSEEvent(event: "content_block_delta", data: "{\"type\":")) }
        #expect(error?.message.hasPrefix("stream event content_block_delta: invalid JSON") == true)
        var other = OpenAIToAnthropicStream(responseModel: "m")
        #expect(throws: TranslationError.self) { try other.translate(SSEEvent(data: #"{"choices":"nope"}"#)) }
    }

    // MARK: OpenAI -> Anthropic

    @Test func openAITextStreamToAnthropic() throws {
        var translator = OpenAIToAnthropicStream(responseModel: "smart")
        let out = try SSE.run(&translator, upstream: Self.openAIText.bytes)
        let names = SSE.events(out).map { $0.event ?? "" }
        #expect(names == ["message_start", "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop"])
        let delta = try #require(SSE.events(out).first { $0.event == "message_delta" })
        #expect(try WireJSON.parse(delta.data) == .literal(#"{"type":"message_delta","delta":{"stop_reason":"max_tokens","stop_sequence":null},"usage":{"input_tokens":8,"cache_creation_input_tokens":0,"cache_read_input_tokens":4,"output_tokens":3}}"#))
        #expect(translator.usage == TokenUsage(promptTokens: 12, completionTokens: 3, cachedPromptTokens: 4))
        #expect(translator.sawTerminalEvent && translator.emittedContent)
    }

    @Test func openAIErrorChunkBecomesAnAnthropicErrorEvent() throws {
        var translator = OpenAIToAnthropicStream(responseModel: "m")
        let out = try translator.translate(SSEEvent(data: #"{"error":{"message":"Rate limit","type":"requests","code":"rate_limit_exceeded"}}"#))
        #expect(out.text == "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"Rate limit\"}}\n\n")
        #expect(translator.upstreamError?.message == "Rate limit")
    }

    @Test func refusalDeltaStreamsAsTextWithRefusalStop() throws {
        let upstream = """
            data: {"id":"chatcmpl-r","choices":[{"index":0,"delta":{"role":"assistant","content":null,"refusal":"I can't"},"finish_reason":null}]}

            data: {"id":"chatcmpl-r","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}

            data: [DONE]


            """
        var translator = OpenAIToAnthropicStream(responseModel: "m")
        let events = SSE.events(try SSE.run(&translator, upstream: upstream.bytes))
        #expect(events.contains { $0.data.contains(#""text":"I can't""#) })
        #expect(events.first { $0.event == "message_delta" }?.data.contains(#""stop_reason":"refusal""#) == true)
    }

    // MARK: Error events

    @Test func errorEventShapes() {
        #expect(StreamErrorEvent.openAI(message: "upstream timed out", type: .serverError, code: .upstreamTimeout).text
            == "data: {\"error\":{\"message\":\"upstream timed out\",\"type\":\"server_error\",\"code\":\"upstream_timeout\",\"param\":null}}\n\n")
        #expect(StreamErrorEvent.openAI(message: "x", type: .serverError, code: nil).text.contains("\"code\":null"))
        #expect(StreamErrorEvent.anthropic(type: .apiError, message: "upstream \"closed\"").text
            == "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"upstream \\\"closed\\\"\"}}\n\n")
    }
}
