import AAMCore
import Testing

@testable import AAMProviders

@Suite struct EmbeddingsCodecTests {
    @Test func parsesAllInputShapes() throws {
        #expect(try EmbeddingsCodec.parseRequest(#"{"model":"e","input":"hi"}"#.bytes).inputs == [.text("hi")])
        #expect(try EmbeddingsCodec.parseRequest(#"{"model":"e","input":["a","b"]}"#.bytes).inputs == [.text("a"), .text("b")])
        #expect(try EmbeddingsCodec.parseRequest(#"{"model":"e","input":[1,2,3]}"#.bytes).inputs == [.tokens([1, 2, 3])])
        let nested = try EmbeddingsCodec.parseRequest(#"{"model":"e","input":[[1],[2,3]],"dimensions":256,"encoding_format":"base64","user":"u"}"#.bytes)
        #expect(nested == EmbeddingsRequest(model: "e", inputs: [.tokens([1]), .tokens([2, 3])], dimensions: 256, encodingFormat: "base64", user: "u"))
        #expect(nested.estimatedPromptTokens == 3)
    }

    @Test(arguments: [
        (#"{"input":"x"}"#, "model: required"),
        (#"{"model":"","input":"x"}"#, "model: must not be empty"),
        (#"{"model":"e"}"#, "input: required"),
        (#"{"model":"e","input":""}"#, "input: must not be an empty string"),
        (#"{"model":"e","input":[]}"#, "input: must not be empty"),
        (#"{"model":"e","input":{"a":1}}"#, "input: expected a string, an array of strings or an array of token ids, got an object"),
        (#"{"model":"e","input":["ok",""]}"#, "input[1]: must not be an empty string"),
        (#"{"model":"e","input":["ok",5]}"#, "input[1]: expected a string or an array of token ids, got a number"),
        (#"{"model":"e","input":[1,-2]}"#, "input[1]: expected a non-negative integer token id, got a number"),
        (#"{"model":"e","input":"x","dimensions":0}"#, "dimensions: must be a positive integer"),
        (#"{"model":"e","input":"x","encoding_format":"int8"}"#, "encoding_format: expected 'float' or 'base64', got 'int8'"),
    ])
    func rejectsBadRequests(body: String, message: String) {
        let error = #expect(throws: TranslationError.self) { try EmbeddingsCodec.parseRequest(body.bytes) }
        #expect(error?.message == message)
    }

    @Test func rewritesModelsAndReadsUsage() throws {
        #expect(try EmbeddingsCodec.replacingModel(in: #"{"model":"alias","input":"x"}"#.bytes, with: "text-embedding-3-small").text
            == #"{"model":"text-embedding-3-small","input":"x"}"#)
        let response = #"{"object":"list","data":[],"model":"text-embedding-3-small","usage":{"prompt_tokens":8,"total_tokens":8}}"#
        #expect(EmbeddingsCodec.usage(fromResponse: response.bytes) == TokenUsage(promptTokens: 8))
        #expect(try EmbeddingsCodec.replacingResponseModel(in: response.bytes, with: "alias").json?["model"] == "alias")
    }
}

@Suite struct RequestInspectorTests {
    @Test func summarizesOpenAIRequests() throws {
        let summary = try RequestInspector.summarize(Fixture.bytes("openai/chat_request.json"), protocol: .openAIChat)
        #expect(summary.model == "gpt-4o")
        #expect(!summary.stream)
        #expect(summary.toolNames == ["get_weather"])
        #expect(summary.maxTokens == 512)
        #expect(summary.estimatedPromptTokens > 10)
    }

    @Test func summarizesAnthropicRequests() throws {
        let summary = try RequestInspector.summarize(Fixture.bytes("anthropic/messages_request.json"), protocol: .anthropicMessages)
        #expect(summary.model == "claude-sonnet-4-20250514")
        #expect(summary.stream)
        #expect(!summary.includeUsage)
        #expect(summary.toolNames == ["get_weather"])
        #expect(summary.maxTokens == 1024)
    }

    @Test func summaryNamesMissingFields() {
        let error = #expect(throws: TranslationError.self) { try RequestInspector.summarize(#"{"messages":[]}"#.bytes, protocol: .openAIChat) }
        #expect(error?.message == "model: required")
    }

    @Test func passthroughForcesUsageOnOpenAIStreams() throws {
        let body = #"{"model":"alias","stream":true,"messages":[{"role":"user","content":"x"}]}"#
        let out = try RequestInspector.passthroughBody(body.bytes, protocol: .openAIChat, upstreamModel: "gpt-4o").text
        #expect(out == #"{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"x"}],"stream_options":{"include_usage":true}}"#)
        let summary = try RequestInspector.summarize(body.bytes, protocol: .openAIChat)
        #expect(summary.stream && !summary.includeUsage)

        let anthropic = try RequestInspector.passthroughBody(body.bytes, protocol: .anthropicMessages, upstreamModel: "claude").text
        #expect(anthropic == #"{"model":"claude","stream":true,"messages":[{"role":"user","content":"x"}]}"#)
    }
    /// Fuzzing found (Fuzz/regressions/translators/passthrough-adds-case-folded-duplicate.json)
    /// that the pass-through added `model`, `stream_options` and `include_usage` beside the
    /// client's case variants of them; a receiver folding case (Go) took the client's, last.
    @Test func passthroughReplacesCaseVariantsInsteadOfAddingBesideThem() throws {
        let body = #"{"modEl":"alias","model":"x","stream":true,"Stream_Options":{"INCLUDE_USAGE":false,"extra":1},"messages":[]}"#
        // `modEl` and `model` are one key: the inspector refuses that body outright.
        #expect(throws: TranslationError.self) { try RequestInspector.passthroughBody(body.bytes, protocol: .openAIChat, upstreamModel: "up") }
        let variant = #"{"MODEL":"alias","stream":true,"Stream_Options":{"INCLUDE_USAGE":false,"extra":1},"messages":[]}"#
        let out = try RequestInspector.passthroughBody(variant.bytes, protocol: .openAIChat, upstreamModel: "up").text
        #expect(out == #"{"model":"up","stream":true,"stream_options":{"include_usage":true,"extra":1},"messages":[]}"#)
    }

    @Test func wireObjectSetterReplacesTheFoldedMember() {
        var object: WireJSONObject = ["A": 1, "b": 2, "\u{212A}": 3]
        object["a"] = 10
        object["k"] = 30
        #expect(object.keys == ["a", "b", "k"])
        #expect(object["a"] == 10 && object["k"] == 30)
        #expect(object.value(folding: "B") == 2)
        object["B"] = nil
        #expect(object.keys == ["a", "k"])
    }
}
