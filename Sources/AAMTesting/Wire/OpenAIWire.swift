/// OpenAI Chat Completions / Embeddings / Models wire text, written by hand.
///
/// Key order follows what api.openai.com sends. Non-streaming bodies are indented (two spaces,
/// errors four) exactly like the real API; SSE chunks are compact one-line JSON.
enum OpenAIWire {
    /// Fixed `created` timestamp so bodies are reproducible.
    static let created = 1_700_000_000
    static let systemFingerprint = "fp_fake0001"

    // MARK: Chat completion

    static func completion(id: String, model: String, reply: FakeReply) -> String {
        let message: String
        if let call = reply.toolCall {
            message = #"{"role":"assistant","content":null,"tool_calls":[{"id":\#(JSONText.string(call.id)),"type":"function","function":{"name":\#(JSONText.string(call.name)),"arguments":\#(JSONText.string(call.arguments))}}],"refusal":null,"annotations":[]}"#
        } else {
            message = #"{"role":"assistant","content":\#(JSONText.string(reply.text)),"refusal":null,"annotations":[]}"#
        }
        let compact = #"{"id":\#(JSONText.string(id)),"object":"chat.completion","created":\#(created),"model":\#(JSONText.string(model)),"choices":[{"index":0,"message":\#(message),"logprobs":null,"finish_reason":"\#(reply.finish.openAI)"}],"usage":\#(usage(reply)),"service_tier":"default","system_fingerprint":"\#(systemFingerprint)"}"#
        return JSONPrettyPrinter.indent(compact, by: 2) + "\n"
    }

    static func usage(_ reply: FakeReply) -> String {
        #"{"prompt_tokens":\#(reply.promptTokens),"completion_tokens":\#(reply.completionTokens),"total_tokens":\#(reply.totalTokens),"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}"#
    }

    // MARK: Chat completion stream

    /// The SSE events of a streamed completion, each a complete `data: …\n\n` frame, ending with
    /// `data: [DONE]\n\n`. With `includeUsage` every chunk carries `"usage":null` and a final
    /// chunk with `"choices":[]` carries the usage, as OpenAI does.
    static func streamEvents(id: String, model: String, reply: FakeReply, includeUsage: Bool) -> [String] {
        let head = #"{"id":\#(JSONText.string(id)),"object":"chat.completion.chunk","created":\#(created),"model":\#(JSONText.string(model)),"service_tier":"default","system_fingerprint":"\#(systemFingerprint)","choices":"#
        let usageTail = includeUsage ? #","usage":null}"# : "}"
        func chunk(delta: String, finish: String? = nil) -> String {
            let finishText = finish.map { "\"\($0)\"" } ?? "null"
            return "data: " + head + #"[{"index":0,"delta":\#(delta),"logprobs":null,"finish_reason":\#(finishText)}]"# + usageTail + "\n\n"
        }

        var events: [String] = []
        if let call = reply.toolCall {
            events.append(chunk(delta: #"{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":\#(JSONText.string(call.id)),"type":"function","function":{"name":\#(JSONText.string(call.name)),"arguments":""}}],"refusal":null}"#))
            for fragment in call.argumentFragments {
                events.append(chunk(delta: #"{"tool_calls":[{"index":0,"function":{"arguments":\#(JSONText.string(fragment))}}]}"#))
            }
        } else {
            events.append(chunk(delta: #"{"role":"assistant","content":"","refusal":null}"#))
            for piece in reply.textPieces {
                events.append(chunk(delta: #"{"content":\#(JSONText.string(piece))}"#))
            }
        }
        events.append(chunk(delta: "{}", finish: reply.finish.openAI))
        if includeUsage {
            events.append("data: " + head + #"[],"usage":\#(usage(reply))}"# + "\n\n")
        }
        events.append("data: [DONE]\n\n")
        return events
    }

    // MARK: Embeddings and models

    /// An embeddings list; `embeddings` holds one vector per input, already computed.
    /// Azure sends the same document compact; `pretty: false` gives that form.
    static func embeddings(model: String, vectors: [[Float]], base64: Bool, promptTokens: Int, pretty: Bool = true) -> String {
        let items = vectors.enumerated().map { index, vector in
            #"{"object":"embedding","index":\#(index),"embedding":\#(EmbeddingVectors.render(vector, base64: base64))}"#
        }
        let compact = #"{"object":"list","data":[\#(items.joined(separator: ","))],"model":\#(JSONText.string(model)),"usage":{"prompt_tokens":\#(promptTokens),"total_tokens":\#(promptTokens)}}"#
        return pretty ? JSONPrettyPrinter.indent(compact, by: 2) + "\n" : compact
    }

    static func models(_ ids: [String]) -> String {
        let items = ids.map { #"{"id":\#(JSONText.string($0)),"object":"model","created":\#(created),"owned_by":"system"}"# }
        return JSONPrettyPrinter.indent(#"{"object":"list","data":[\#(items.joined(separator: ","))]}"#, by: 2) + "\n"
    }

    // MARK: Errors and headers

    static func errorBody(message: String, type: String, param: String?, code: String?) -> String {
        let compact = #"{"error":{"message":\#(JSONText.string(message)),"type":\#(JSONText.string(type)),"param":\#(JSONText.stringOrNull(param)),"code":\#(JSONText.stringOrNull(code))}}"#
        return JSONPrettyPrinter.indent(compact, by: 4) + "\n"
    }

    static func error(_ error: FakeVendorError, presentedKey: String?, model: String?) -> RenderedResponse {
        switch error {
        case .missingAPIKey:
            return RenderedResponse(status: 401, headers: [], body: errorBody(
                message: "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username. You can obtain an API key from https://platform.openai.com/account/api-keys.",
                type: "invalid_request_error", param: nil, code: nil))
        case .invalidAPIKey:
            return RenderedResponse(status: 401, headers: [], body: errorBody(
                message: "Incorrect API key provided: \(mask(presentedKey ?? "")). You can find your API key at https://platform.openai.com/account/api-keys.",
                type: "invalid_request_error", param: nil, code: "invalid_api_key"))
        case .rateLimited(let seconds):
            var headers = [
                ("x-ratelimit-limit-requests", "10000"),
                ("x-ratelimit-remaining-requests", "0"),
                ("x-ratelimit-reset-requests", "\(seconds ?? 1)s"),
            ]
            if let seconds { headers.insert(("retry-after", String(seconds)), at: 0) }
            return RenderedResponse(status: 429, headers: headers, body: errorBody(
                message: "Rate limit reached for \(model ?? "gpt-4o-mini") in organization org-fake on requests per min (RPM): Limit 10000, Used 10000, Requested 1. Please try again in \(seconds ?? 1)s. Visit https://platform.openai.com/account/rate-limits to learn more.",
                type: "requests", param: nil, code: "rate_limit_exceeded"))
        case .serverError:
            return RenderedResponse(status: 500, headers: [], body: errorBody(
                message: "The server had an error while processing your request. Sorry about that!",
                type: "server_error", param: nil, code: nil))
        case .overloaded:
            return RenderedResponse(status: 503, headers: [], body: errorBody(
                message: "The server is overloaded or not ready yet.",
                type: "server_error", param: nil, code: nil))
        case .contextLengthExceeded:
            return RenderedResponse(status: 400, headers: [], body: errorBody(
                message: "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens. Please reduce the length of the messages.",
                type: "invalid_request_error", param: "messages", code: "context_length_exceeded"))
        case .badRequest(let message):
            return RenderedResponse(status: 400, headers: [], body: errorBody(
                message: message, type: "invalid_request_error", param: nil, code: nil))
        case .notFound(let message):
            return RenderedResponse(status: 404, headers: [], body: errorBody(
                message: message, type: "invalid_request_error", param: nil, code: nil))
        }
    }

    /// Rate-limit and tracing headers OpenAI puts on every successful answer.
    static func successHeaders(sequence: Int, tokens: Int) -> [(String, String)] {
        [
            ("openai-organization", "org-fake"),
            ("openai-processing-ms", "1"),
            ("openai-version", "2020-10-01"),
            ("x-ratelimit-limit-requests", "10000"),
            ("x-ratelimit-limit-tokens", "30000000"),
            ("x-ratelimit-remaining-requests", String(max(0, 10000 - sequence))),
            ("x-ratelimit-remaining-tokens", String(max(0, 30_000_000 - tokens))),
            ("x-ratelimit-reset-requests", "6ms"),
            ("x-ratelimit-reset-tokens", "0s"),
            ("x-request-id", "req_fake" + FakeIDs.padded(sequence)),
        ]
    }

    /// OpenAI shows the first three and last four characters of a wrong key.
    static func mask(_ key: String) -> String {
        guard key.count > 8 else { return String(repeating: "*", count: key.count) }
        return String(key.prefix(3)) + String(repeating: "*", count: key.count - 7) + String(key.suffix(4))
    }
}
