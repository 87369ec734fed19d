/// Azure OpenAI wire text: OpenAI's documents with Azure's differences.
///
/// Azure serializes with keys sorted alphabetically and compact, adds content-filter results
/// (`prompt_filter_results`, per-choice `content_filter_results`), and opens every stream with a
/// chunk that has `"choices":[]`, an empty id and model: gateways that assume the first chunk
/// carries a choice break on it, which is why the fake reproduces it.
enum AzureWire {
    static let safeFilter = #"{"hate":{"filtered":false,"severity":"safe"},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}}"#
    static let promptFilter = #"[{"prompt_index":0,"content_filter_results":\#(safeFilter)}]"#

    static func completion(id: String, model: String, reply: FakeReply) -> String {
        let message: String
        if let call = reply.toolCall {
            message = #"{"annotations":[],"content":null,"refusal":null,"role":"assistant","tool_calls":[{"function":{"arguments":\#(JSONText.string(call.arguments)),"name":\#(JSONText.string(call.name))},"id":\#(JSONText.string(call.id)),"type":"function"}]}"#
        } else {
            message = #"{"annotations":[],"content":\#(JSONText.string(reply.text)),"refusal":null,"role":"assistant"}"#
        }
        return #"{"choices":[{"content_filter_results":\#(safeFilter),"finish_reason":"\#(reply.finish.openAI)","index":0,"logprobs":null,"message":\#(message)}],"created":\#(OpenAIWire.created),"id":\#(JSONText.string(id)),"model":\#(JSONText.string(model)),"object":"chat.completion","prompt_filter_results":\#(promptFilter),"system_fingerprint":"\#(OpenAIWire.systemFingerprint)","usage":\#(usage(reply))}"#
    }

    static func usage(_ reply: FakeReply) -> String {
        #"{"completion_tokens":\#(reply.completionTokens),"completion_tokens_details":{"accepted_prediction_tokens":0,"audio_tokens":0,"reasoning_tokens":0,"rejected_prediction_tokens":0},"prompt_tokens":\#(reply.promptTokens),"prompt_tokens_details":{"audio_tokens":0,"cached_tokens":0},"total_tokens":\#(reply.totalTokens)}"#
    }

    static func streamEvents(id: String, model: String, reply: FakeReply, includeUsage: Bool) -> [String] {
        let tail = #"],"created":\#(OpenAIWire.created),"id":\#(JSONText.string(id)),"model":\#(JSONText.string(model)),"object":"chat.completion.chunk","system_fingerprint":"\#(OpenAIWire.systemFingerprint)""#
        func chunk(filter: String, delta: String, finish: String? = nil) -> String {
            let finishText = finish.map { "\"\($0)\"" } ?? "null"
            return #"data: {"choices":[{"content_filter_results":\#(filter),"delta":\#(delta),"finish_reason":\#(finishText),"index":0,"logprobs":null}"#
                + tail + (includeUsage ? #","usage":null}"# : "}") + "\n\n"
        }

        var events = [#"data: {"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":\#(promptFilter)}"# + "\n\n"]
        if let call = reply.toolCall {
            events.append(chunk(filter: "{}", delta: #"{"content":null,"refusal":null,"role":"assistant","tool_calls":[{"function":{"arguments":"","name":\#(JSONText.string(call.name))},"id":\#(JSONText.string(call.id)),"index":0,"type":"function"}]}"#))
            for fragment in call.argumentFragments {
                events.append(chunk(filter: "{}", delta: #"{"tool_calls":[{"function":{"arguments":\#(JSONText.string(fragment))},"index":0}]}"#))
            }
        } else {
            events.append(chunk(filter: "{}", delta: #"{"content":"","refusal":null,"role":"assistant"}"#))
            for piece in reply.textPieces {
                events.append(chunk(filter: safeFilter, delta: #"{"content":\#(JSONText.string(piece))}"#))
            }
        }
        events.append(chunk(filter: "{}", delta: "{}", finish: reply.finish.openAI))
        if includeUsage {
            events.append(#"data: {"choices":["# + tail + #","usage":\#(usage(reply))}"# + "\n\n")
        }
        events.append("data: [DONE]\n\n")
        return events
    }

    private static func codeError(_ code: String, _ message: String) -> String {
        #"{"error":{"code":\#(JSONText.string(code)),"message":\#(JSONText.string(message))}}"#
    }

    private static func openAIError(message: String, type: String, param: String?, code: String?) -> String {
        #"{"error":{"message":\#(JSONText.string(message)),"type":\#(JSONText.string(type)),"param":\#(JSONText.stringOrNull(param)),"code":\#(JSONText.stringOrNull(code))}}"#
    }

    static func error(_ error: FakeVendorError, apiVersion: String?) -> RenderedResponse {
        switch error {
        case .missingAPIKey, .invalidAPIKey:
            return RenderedResponse(status: 401, headers: [], body: codeError("401", "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource."))
        case .rateLimited(let seconds):
            var headers = [("x-ratelimit-remaining-requests", "0")]
            if let seconds {
                headers.insert(contentsOf: [("retry-after", String(seconds)), ("retry-after-ms", String(seconds * 1000))], at: 0)
            }
            return RenderedResponse(status: 429, headers: headers, body: codeError("429", "Requests to the ChatCompletions_Create Operation under Azure OpenAI API version \(apiVersion ?? "2024-10-21") have exceeded call rate limit of your current OpenAI S0 pricing tier. Please retry after \(seconds ?? 1) seconds. Please go here: https://aka.ms/oai/quotaincrease if you would like to further increase the default rate limit."))
        case .serverError:
            return RenderedResponse(status: 500, headers: [], body: openAIError(message: "The server had an error while processing your request. Sorry about that!", type: "server_error", param: nil, code: nil))
        case .overloaded:
            return RenderedResponse(status: 503, headers: [], body: codeError("ServiceUnavailable", "The service is temporarily unable to process your request. Please try again later."))
        case .contextLengthExceeded:
            return RenderedResponse(status: 400, headers: [], body: openAIError(message: "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens. Please reduce the length of the messages.", type: "invalid_request_error", param: "messages", code: "context_length_exceeded"))
        case .badRequest(let message):
            return RenderedResponse(status: 400, headers: [], body: openAIError(message: message, type: "invalid_request_error", param: nil, code: nil))
        case .notFound(let message):
            return RenderedResponse(status: 404, headers: [], body: codeError("404", message))
        }
    }

    static func successHeaders(sequence: Int, tokens: Int) -> [(String, String)] {
        let id = "fake-azure-" + FakeIDs.padded(sequence)
        return [
            ("apim-request-id", id),
            ("x-request-id", id),
            ("x-ms-region", "Fake Region"),
            ("x-ratelimit-limit-requests", "1000"),
            ("x-ratelimit-limit-tokens", "1000000"),
            ("x-ratelimit-remaining-requests", String(max(0, 1000 - sequence))),
            ("x-ratelimit-remaining-tokens", String(max(0, 1_000_000 - tokens))),
        ]
    }
}
