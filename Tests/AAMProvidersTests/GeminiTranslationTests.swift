import AAMCore
import Foundation
import Testing

@testable import AAMProviders

/// Gemini as an upstream: the dialect, both request translators, answers, both stream
/// translators event by event, embeddings. Golden inputs are Google's published wire examples
/// (`Fixtures/gemini/SOURCES.md` names each page).
@Suite struct GeminiTranslationTests {
    static let created = 1_700_000_000
    static let provider = ProviderConfig(name: "g", wireProtocol: .gemini, baseURL: "https://generativelanguage.googleapis.com/")

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
    static func event(_ json: String) -> SSEEvent { SSEEvent(data: json) }
    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    // MARK: Dialect

    @Test func urlsNameTheModelAndTheMethodAndTheKeyGoesInItsHeader() {
        let dialect = ProviderProtocol.gemini.dialect
        #expect(dialect.chatURL(Self.provider, upstreamModel: "gemini-2.0-flash", stream: false)
            == "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:generateContent")
        #expect(dialect.chatURL(Self.provider, upstreamModel: "models/gemini-2.0-flash", stream: true)
            == "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse")
        let versioned = ProviderConfig(name: "g", wireProtocol: .gemini, baseURL: "http://127.0.0.1:9/v1beta")
        #expect(dialect.embeddingsURL(versioned, upstreamModel: "gemini-embedding-001") == "http://127.0.0.1:9/v1beta/models/gemini-embedding-001:batchEmbedContents")
        #expect(dialect.credentialField(SecretValue("AIza-test")) == ("x-goog-api-key", "AIza-test"))
        #expect(dialect.servesEmbeddings)
    }

    @Test func errorsAreReadAndClassifiedAsGeminiMeansThem() throws {
        let dialect = GeminiDialect()
        let limited = try Fixture.bytes("gemini/rate-limited.json")
        #expect(dialect.errorMessage(limited)?.hasPrefix("You exceeded your current quota") == true)
        // The 429's wait is in the body: it becomes the cooldown.
        let now = Date(timeIntervalSince1970: 1000)
        #expect(dialect.outcome(.rateLimited(retryAt: nil), status: 429, body: limited, receivedAt: now) == .rateLimited(retryAt: now.addingTimeInterval(37)))
        #expect(dialect.outcome(.serverError(status: 503), status: 503, body: limited, receivedAt: now) == .serverError(status: 503))
        // A wrong key is a 400 at Gemini: still the gateway's credential, never the client's fault.
        let badKey = Self.bytes(#"{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID","domain":"googleapis.com"}]}}"#)
        #expect(dialect.isCredentialRefusal(status: 400, body: badKey))
        #expect(dialect.outcome(.requestError(status: 400), status: 400, body: badKey, receivedAt: now) == .credentialRejected(status: 400))
        let badField = Self.bytes(#"{"error":{"code":400,"message":"Invalid JSON payload received. Unknown name \"x\": Cannot find field.","status":"INVALID_ARGUMENT"}}"#)
        #expect(!dialect.isCredentialRefusal(status: 400, body: badField))
        #expect(dialect.isContextLengthError(Self.bytes(#"{"error":{"code":400,"message":"The input token count (1048577) exceeds the maximum number of tokens allowed (1048576).","status":"INVALID_ARGUMENT"}}"#)))
        #expect(!dialect.isContextLengthError(badField))
    }

    // MARK: Requests

    @Test func anOpenAIConversationWithToolsBecomesContentsAndFunctionDeclarations() throws {
        let body = Self.bytes(#"""
        {"model":"fast","messages":[
          {"role":"system","content":"Be brief."},
          {"role":"user","content":"Weather in Paris?"},
          {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},
          {"role":"tool","tool_call_id":"call_1","content":"{\"temp\":21}"},
          {"role":"user","content":[{"type":"text","text":"And tomorrow?"},{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]}],
         "tools":[{"type":"function","function":{"name":"get_weather","description":"Weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"additionalProperties":false}}}],
         "tool_choice":{"type":"function","function":{"name":"get_weather"}},
         "max_completion_tokens":100,"temperature":0.7,"top_p":0.9,"stop":"END","seed":7,"stream":true,"stream_options":{"include_usage":true},"user":"u1"}
        """#)
        let bridge = GeminiDialect().bridge(from: .openAIChat)
        let out = try WireJSON.parse(try bridge.requestBody(body, scan: try JSONObjectScanner(body), upstreamModel: "gemini-2.0-flash", stream: true))
        #expect(out == WireJSON.literal(#"""
        {"systemInstruction":{"parts":[{"text":"Be brief."}]},
         "contents":[
          {"role":"user","parts":[{"text":"Weather in Paris?"}]},
          {"role":"model","parts":[{"functionCall":{"name":"get_weather","args":{"city":"Paris"}}}]},
          {"role":"user","parts":[{"functionResponse":{"name":"get_weather","response":{"temp":21}}},{"text":"And tomorrow?"},{"inlineData":{"mimeType":"image/png","data":"iVBORw0KGgo="}}]}],
         "tools":[{"functionDeclarations":[{"name":"get_weather","description":"Weather","parametersJsonSchema":{"type":"object","properties":{"city":{"type":"string"}},"additionalProperties":false}}]}],
         "toolConfig":{"functionCallingConfig":{"mode":"ANY","allowedFunctionNames":["get_weather"]}},
         "generationConfig":{"maxOutputTokens":100,"temperature":0.7,"topP":0.9,"stopSequences":["END"],"seed":7}}
        """#))
    }

    @Test func anOpenAIRequestGeminiCannotTakeIsRefusedNamingTheField() throws {
        let bridge = GeminiDialect().bridge(from: .openAIChat)
        func refusal(_ json: String) -> String? {
            let body = Self.bytes(json)
            guard let scan = try? JSONObjectScanner(body) else { return "unscannable" }
            do {
                _ = try bridge.requestBody(body, scan: scan, upstreamModel: "g", stream: false)
                return nil
            } catch {
                return error.param
            }
        }
        #expect(refusal(#"{"model":"m","n":2,"messages":[{"role":"user","content":"hi"}]}"#) == "n")
        #expect(refusal(#"{"model":"m","messages":[{"role":"tool","tool_call_id":"nope","content":"x"}]}"#) == "messages[0].tool_call_id")
        #expect(refusal(#"{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://x/y.png"}}]}]}"#) == "messages[0].content[0].image_url.url")
        #expect(refusal(#"{"model":"m","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"web_search"}]}"#) == "tools[0].type")
        #expect(refusal(#"{"model":"m","messages":[{"role":"user","content":"hi"}],"reasoning_effort":"extreme"}"#) == "reasoning_effort")
    }

    @Test func reasoningEffortAndThinkingBecomeAThinkingBudget() throws {
        let openAI = Self.bytes(#"{"model":"m","messages":[{"role":"user","content":"hi"}],"reasoning_effort":"medium"}"#)
        let fromOpenAI = try WireJSON.parse(try GeminiDialect().bridge(from: .openAIChat).requestBody(openAI, scan: try JSONObjectScanner(openAI), upstreamModel: "g", stream: false))
        #expect(fromOpenAI["generationConfig"] == WireJSON.literal(#"{"thinkingConfig":{"thinkingBudget":8192}}"#))
        let anthropic = Self.bytes(#"{"model":"m","max_tokens":4000,"thinking":{"type":"enabled","budget_tokens":2048},"messages":[{"role":"user","content":"hi"}]}"#)
        let fromAnthropic = try WireJSON.parse(try GeminiDialect().bridge(from: .anthropicMessages).requestBody(anthropic, scan: try JSONObjectScanner(anthropic), upstreamModel: "g", stream: false))
        #expect(fromAnthropic["generationConfig"] == WireJSON.literal(#"{"maxOutputTokens":4000,"thinkingConfig":{"thinkingBudget":2048}}"#))
    }

    @Test func anAnthropicConversationWithToolUseBecomesContents() throws {
        let body = Self.bytes(#"""
        {"model":"smart","max_tokens":64,"system":[{"type":"text","text":"Be brief."}],"top_k":40,"stop_sequences":["END"],
         "messages":[
          {"role":"user","content":"Weather in Paris?"},
          {"role":"assistant","content":[{"type":"thinking","thinking":"hm","signature":"s"},{"type":"text","text":"Checking."},{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Paris"}}]},
          {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"sunny"}],"is_error":false}]}],
         "tools":[{"name":"get_weather","input_schema":{"type":"object"}}],"tool_choice":{"type":"auto"}}
        """#)
        let bridge = GeminiDialect().bridge(from: .anthropicMessages)
        let out = try WireJSON.parse(try bridge.requestBody(body, scan: try JSONObjectScanner(body), upstreamModel: "gemini-2.0-flash", stream: false))
        #expect(out == WireJSON.literal(#"""
        {"systemInstruction":{"parts":[{"text":"Be brief."}]},
         "contents":[
          {"role":"user","parts":[{"text":"Weather in Paris?"}]},
          {"role":"model","parts":[{"text":"Checking."},{"functionCall":{"name":"get_weather","args":{"city":"Paris"}}}]},
          {"role":"user","parts":[{"functionResponse":{"name":"get_weather","response":{"content":"sunny"}}}]}],
         "tools":[{"functionDeclarations":[{"name":"get_weather","parametersJsonSchema":{"type":"object"}}]}],
         "toolConfig":{"functionCallingConfig":{"mode":"AUTO"}},
         "generationConfig":{"maxOutputTokens":64,"topK":40,"stopSequences":["END"]}}
        """#))
    }

    // MARK: Answers

    @Test func googlesExampleAnswerBecomesAChatCompletionAndAMessage() throws {
        let body = try Fixture.bytes("gemini/generate-content.json")
        let (openAI, usage) = try GeminiAnswers.openAI(body, responseModel: "fast", created: Self.created)
        #expect(try WireJSON.parse(openAI) == WireJSON.literal(#"""
        {"id":"chatcmpl-mAitaLmkHPPlz7IPvtfUqQ4","object":"chat.completion","created":1700000000,"model":"fast",
         "choices":[{"index":0,"message":{"role":"assistant","content":"AI learns patterns from data to make predictions.","refusal":null},"logprobs":null,"finish_reason":"stop"}],
         "usage":{"prompt_tokens":8,"completion_tokens":10,"total_tokens":18,"prompt_tokens_details":{"cached_tokens":0}}}
        """#))
        #expect(usage == TokenUsage(promptTokens: 8, completionTokens: 10))
        let (anthropic, _) = try GeminiAnswers.anthropic(body, responseModel: "fast")
        let message = try WireJSON.parse(anthropic)
        #expect(message["stop_reason"] == "end_turn")
        #expect(message["content"] == WireJSON.literal(#"[{"type":"text","text":"AI learns patterns from data to make predictions."}]"#))
        #expect(message["usage"]?["input_tokens"] == 8)
    }

    @Test func aFunctionCallBecomesToolCallsAndToolUse() throws {
        let body = try Fixture.bytes("gemini/function-call.json")
        let completion = try WireJSON.parse(try GeminiAnswers.openAI(body, responseModel: "fast", created: Self.created).body)
        let message = completion["choices"]?.arrayValue?.first?["message"]
        #expect(message?["content"] == .null)
        #expect(message?["tool_calls"] == WireJSON.literal(#"[{"id":"call_0","type":"function","function":{"name":"set_light_values","arguments":"{\"brightness\":25,\"color_temp\":\"warm\"}"}}]"#))
        #expect(completion["choices"]?.arrayValue?.first?["finish_reason"] == "tool_calls")
        let anthropic = try WireJSON.parse(try GeminiAnswers.anthropic(body, responseModel: "fast").body)
        #expect(anthropic["content"] == WireJSON.literal(#"[{"type":"tool_use","id":"call_0","name":"set_light_values","input":{"brightness":25,"color_temp":"warm"}}]"#))
        #expect(anthropic["stop_reason"] == "tool_use")
    }

    /// Gemini 3 refuses a function call sent back without its `thoughtSignature`; the clients'
    /// APIs have no field for it, so it rides in the tool-call id and comes back from there.
    @Test func aThoughtSignatureRoundTripsThroughTheToolCallID() throws {
        let signature = "AY89a18+OcFus5wr5bW5xN6zZ4aUiCyhgmg6HE2YjtYDV/dwZ5oZlZHeTmiUKv34qq0="  // valid base64 with + and /
        let answer = Self.bytes(#"{"candidates":[{"content":{"role":"model","parts":[{"functionCall":{"name":"get_weather","args":{"city":"Paris"}},"thoughtSignature":"\#(signature)"}]},"finishReason":"STOP"}],"responseId":"r9"}"#)
        let completion = try WireJSON.parse(try GeminiAnswers.openAI(answer, responseModel: "fast").body)
        let id = try #require(completion["choices"]?.arrayValue?.first?["message"]?["tool_calls"]?.arrayValue?.first?["id"]?.stringValue)
        #expect(id.hasPrefix("call_r9_0__thought__"))
        #expect(id.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }, "an id Anthropic would also accept")
        let next = Self.bytes(#"{"model":"m","messages":[{"role":"user","content":"Weather?"},{"role":"assistant","tool_calls":[{"id":"\#(id)","type":"function","function":{"name":"get_weather","arguments":"{}"}}]},{"role":"tool","tool_call_id":"\#(id)","content":"sunny"}]}"#)
        let request = try WireJSON.parse(try GeminiDialect().bridge(from: .openAIChat).requestBody(next, scan: try JSONObjectScanner(next), upstreamModel: "g", stream: false))
        let part = request["contents"]?.arrayValue?[1]["parts"]?.arrayValue?.first
        #expect(part?["thoughtSignature"]?.stringValue == signature)
        #expect(request["contents"]?.arrayValue?[2]["parts"]?.arrayValue?.first?["functionResponse"]?["name"] == "get_weather")
    }

    @Test func aSafetyBlockIsAClearErrorNotAnEmptySuccess() throws {
        let blocked = try Fixture.bytes("gemini/prompt-blocked.json")
        #expect(throws: UpstreamContentBlocked(message: "The Gemini upstream blocked the prompt (promptFeedback.blockReason: SAFETY).", usage: TokenUsage(promptTokens: 12))) {
            try GeminiAnswers.openAI(blocked, responseModel: "fast")
        }
        let cut = Self.bytes(#"{"candidates":[{"finishReason":"SAFETY","index":0}],"usageMetadata":{"promptTokenCount":5,"totalTokenCount":5}}"#)
        #expect(throws: UpstreamContentBlocked.self) { try GeminiAnswers.anthropic(cut, responseModel: "fast") }
        // Content before the cut is kept, with the filter named as the reason.
        let partial = Self.bytes(#"{"candidates":[{"content":{"parts":[{"text":"Part"}],"role":"model"},"finishReason":"SAFETY"}]}"#)
        let completion = try WireJSON.parse(try GeminiAnswers.openAI(partial, responseModel: "fast").body)
        #expect(completion["choices"]?.arrayValue?.first?["finish_reason"] == "content_filter")
        #expect(try WireJSON.parse(try GeminiAnswers.anthropic(partial, responseModel: "fast").body)["stop_reason"] == "refusal")
    }

    // MARK: Streams -> OpenAI

    /// Google's captured stream, event by event, in exactly the bytes `AnthropicToOpenAIStream`
    /// produces for the same answer (same id, same created).
    @Test func googlesStreamBecomesTheSameChunksAsAnAnthropicStreamWould() throws {
        var gemini = GeminiToOpenAIStream(responseModel: "fast", clientRequestedUsage: true, created: Self.created)
        var anthropic = AnthropicToOpenAIStream(responseModel: "fast", clientRequestedUsage: true, created: Self.created)
        let events = try Fixture.events("gemini/stream-text.sse")
        #expect(events.count == 4)
        let reference: [[SSEEvent]] = [
            [Self.named("message_start", #"{"type":"message_start","message":{"id":"msg_tTCwacuEBMvnitYP06qsgQY","usage":{"input_tokens":0,"output_tokens":0}}}"#),
             Self.named("content_block_start", #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#),
             Self.named("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello!"}}"#)],
            [Self.named("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" How can I help you today"}}"#)],
            [Self.named("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"?"}}"#)],
            [Self.named("message_delta", #"{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"input_tokens":1,"output_tokens":9}}"#),
             Self.named("message_stop", #"{"type":"message_stop"}"#)],
        ]
        for (event, equivalents) in zip(events, reference) {
            var expected: [UInt8] = []
            for equivalent in equivalents { expected += try anthropic.translate(equivalent) }
            #expect(Self.text(try gemini.translate(event)) == Self.text(expected))
        }
        #expect(gemini.sawTerminalEvent)
        #expect(gemini.usage == TokenUsage(promptTokens: 1, completionTokens: 9))
        #expect(gemini.outputBytes == "Hello! How can I help you today?".utf8.count)
        #expect(gemini.finish().isEmpty, "the [DONE] went out with the finish reason")
    }

    static func named(_ name: String, _ json: String) -> SSEEvent { SSEEvent(event: name, data: json) }

    static func chunk(_ choices: String, usage: String = "null") -> String {
        #"data: {"id":"chatcmpl-r1","object":"chat.completion.chunk","created":1700000000,"model":"fast","choices":\#(choices),"usage":\#(usage)}"# + "\n\n"
    }

    @Test func aFunctionCallStreamsAsAToolCallStartThenItsArguments() throws {
        var stream = GeminiToOpenAIStream(responseModel: "fast", clientRequestedUsage: true, created: Self.created)
        let out = try stream.translate(Self.event(#"{"candidates":[{"content":{"role":"model","parts":[{"functionCall":{"name":"get_weather","args":{"city":"Paris"}}}]},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":20,"candidatesTokenCount":5,"totalTokenCount":25,"cachedContentTokenCount":4},"responseId":"r1"}"#))
        let expected = Self.chunk(#"[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]"#)
            + Self.chunk(#"[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_r1_0","type":"function","function":{"name":"get_weather","arguments":""}}]},"logprobs":null,"finish_reason":null}]"#)
            + Self.chunk(#"[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":\"Paris\"}"}}]},"logprobs":null,"finish_reason":null}]"#)
            + Self.chunk(#"[{"index":0,"delta":{},"logprobs":null,"finish_reason":"tool_calls"}]"#)
            + Self.chunk("[]", usage: #"{"prompt_tokens":20,"completion_tokens":5,"total_tokens":25,"prompt_tokens_details":{"cached_tokens":4}}"#)
            + "data: [DONE]\n\n"
        #expect(Self.text(out) == expected)
        #expect(stream.sawTerminalEvent && stream.emittedContent && stream.upstreamError == nil)
    }

    @Test func aStreamWithoutAFinishReasonIsTruncatedNeverCompleted() throws {
        var stream = GeminiToOpenAIStream(responseModel: "fast", clientRequestedUsage: false, created: Self.created)
        let first = try stream.translate(Self.event(#"{"candidates":[{"content":{"role":"model","parts":[{"text":"Hel"}]},"index":0}],"responseId":"r1"}"#))
        #expect(Self.text(first).contains(#""delta":{"content":"Hel"}"#))
        #expect(stream.emittedContent)
        #expect(stream.finish().isEmpty, "no fake [DONE]")
        #expect(!stream.sawTerminalEvent, "the server ends it in-band as truncated")
    }

    @Test func aSafetyCutMidStreamEndsWithContentFilterAndAPromptBlockIsAnInBandError() throws {
        var cut = GeminiToOpenAIStream(responseModel: "fast", clientRequestedUsage: false, created: Self.created)
        _ = try cut.translate(Self.event(#"{"candidates":[{"content":{"role":"model","parts":[{"text":"Part"}]},"index":0}],"responseId":"r1"}"#))
        let end = try cut.translate(Self.event(#"{"candidates":[{"finishReason":"SAFETY","index":0,"safetyRatings":[{"category":"HARM_CATEGORY_DANGEROUS_CONTENT","probability":"HIGH","blocked":true}]}],"usageMetadata":{"promptTokenCount":3,"candidatesTokenCount":1,"totalTokenCount":4},"responseId":"r1"}"#))
        #expect(Self.text(end) == #"data: {"id":"chatcmpl-r1","object":"chat.completion.chunk","created":1700000000,"model":"fast","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"content_filter"}]}"# + "\n\ndata: [DONE]\n\n")
        #expect(cut.sawTerminalEvent && cut.upstreamError == nil)

        var blocked = GeminiToOpenAIStream(responseModel: "fast", clientRequestedUsage: false, created: Self.created)
        let error = try blocked.translate(Self.event(#"{"promptFeedback":{"blockReason":"SAFETY"},"usageMetadata":{"promptTokenCount":12,"totalTokenCount":12}}"#))
        #expect(Self.text(error) == #"data: {"error":{"message":"The Gemini upstream blocked the prompt (promptFeedback.blockReason: SAFETY).","type":"invalid_request_error","code":"content_filter","param":null}}"# + "\n\n")
        // Sent to the client (not failed over: the same model refuses the same prompt), billed.
        #expect(blocked.emittedContent && blocked.upstreamError != nil)
        #expect(blocked.usage == TokenUsage(promptTokens: 12))

        var early = GeminiToAnthropicStream(responseModel: "fast")
        let anthropicError = try early.translate(Self.event(#"{"candidates":[{"finishReason":"SAFETY","index":0}]}"#))
        #expect(Self.text(anthropicError) == "event: error\n" + #"data: {"type":"error","error":{"type":"invalid_request_error","message":"The Gemini upstream blocked the answer (finishReason: SAFETY)."}}"# + "\n\n")
    }

    @Test func anErrorInsideTheStreamIsForwardedOnce() throws {
        var stream = GeminiToOpenAIStream(responseModel: "fast", clientRequestedUsage: false, created: Self.created)
        let out = try stream.translate(Self.event(#"{"error":{"code":503,"message":"The model is overloaded. Please try again later.","status":"UNAVAILABLE"}}"#))
        #expect(Self.text(out).contains(#""code":"UNAVAILABLE""#))
        #expect(stream.upstreamError?.message == "The model is overloaded. Please try again later.")
        #expect(try stream.translate(Self.event(#"{"candidates":[]}"#)).isEmpty)
    }

    // MARK: Streams -> Anthropic

    @Test func textThenAFunctionCallBecomeTwoBlocksAndTheEndCarriesUsage() throws {
        var stream = GeminiToAnthropicStream(responseModel: "smart")
        var out = try stream.translate(Self.event(#"{"candidates":[{"content":{"role":"model","parts":[{"text":"Checking"}]},"index":0}],"responseId":"r2"}"#))
        out += try stream.translate(Self.event(#"{"candidates":[{"content":{"role":"model","parts":[{"functionCall":{"name":"get_weather","args":{"city":"Paris"}}}]},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":20,"candidatesTokenCount":5,"thoughtsTokenCount":7,"totalTokenCount":32},"responseId":"r2"}"#))
        expectSameEvents(SSE.events(out), [
            Self.named("message_start", #"{"type":"message_start","message":{"id":"msg_r2","type":"message","role":"assistant","model":"smart","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":0,"output_tokens":0}}}"#),
            Self.named("content_block_start", #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#),
            Self.named("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Checking"}}"#),
            Self.named("content_block_stop", #"{"type":"content_block_stop","index":0}"#),
            Self.named("content_block_start", #"{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"call_r2_0","name":"get_weather","input":{}}}"#),
            Self.named("content_block_delta", #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"city\":\"Paris\"}"}}"#),
            Self.named("content_block_stop", #"{"type":"content_block_stop","index":1}"#),
            Self.named("message_delta", #"{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"input_tokens":20,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":12}}"#),
            Self.named("message_stop", #"{"type":"message_stop"}"#),
        ])
        #expect(stream.sawTerminalEvent)
        #expect(stream.usage == TokenUsage(promptTokens: 20, completionTokens: 12), "thinking tokens are billed as output")
    }

    // MARK: Embeddings

    @Test func embeddingsGoAsABatchAndComeBackInOpenAIsShape() throws {
        let request = Self.bytes(#"{"model":"embed","input":["one","two"],"dimensions":3,"encoding_format":"float"}"#)
        let dialect = GeminiDialect()
        let upstream = try WireJSON.parse(try dialect.embeddingsBody(request, scan: try JSONObjectScanner(request), upstreamModel: "gemini-embedding-001"))
        #expect(upstream == WireJSON.literal(#"{"requests":[{"model":"models/gemini-embedding-001","content":{"parts":[{"text":"one"}]},"outputDimensionality":3},{"model":"models/gemini-embedding-001","content":{"parts":[{"text":"two"}]},"outputDimensionality":3}]}"#))
        let answer = Self.bytes(#"{"embeddings":[{"values":[0.1,0.2,0.3]},{"values":[0.4,0.5,0.6]}]}"#)
        let (body, usage, estimated) = try dialect.embeddingsAnswer(answer, request: request, responseModel: "gemini-embedding-001")
        #expect(estimated, "Gemini reports no usage for embeddings")
        #expect(try WireJSON.parse(body) == WireJSON.literal(#"{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1,0.2,0.3]},{"object":"embedding","index":1,"embedding":[0.4,0.5,0.6]}],"model":"gemini-embedding-001","usage":{"prompt_tokens":2,"total_tokens":2}}"#))
        #expect(usage == TokenUsage(promptTokens: 2))
        let tokens = Self.bytes(#"{"model":"embed","input":[1,2,3]}"#)
        #expect(throws: TranslationError.self) { try dialect.embeddingsBody(tokens, scan: try JSONObjectScanner(tokens), upstreamModel: "e") }
        #expect(throws: TranslationError.self) { try dialect.embeddingsAnswer(Self.bytes(#"{"embeddings":[]}"#), request: request, responseModel: "e") }
    }
}
