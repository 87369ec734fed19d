import AAMCore

/// Vocabulary shared by the request, response and stream translators, in one place so the
/// plain and streaming paths can never disagree.
enum ProtocolMappings {
    // MARK: Stop reasons

    /// Anthropic `stop_reason` -> OpenAI `finish_reason`.
    static func finishReason(fromAnthropic stopReason: String) -> String {
        switch stopReason {
        case "max_tokens", "model_context_window_exceeded": "length"
        case "tool_use": "tool_calls"
        case "refusal": "content_filter"
        default: "stop"  // end_turn, stop_sequence, pause_turn
        }
    }

    /// OpenAI `finish_reason` -> Anthropic `stop_reason`. OpenAI does not say which stop
    /// sequence matched, so `stop` always maps to `end_turn`.
    static func stopReason(fromOpenAI finishReason: String) -> String {
        switch finishReason {
        case "length": "max_tokens"
        case "tool_calls", "function_call": "tool_use"
        case "content_filter": "refusal"
        default: "end_turn"
        }
    }

    // MARK: Identifiers

    /// `msg_01ABC` -> `chatcmpl-01ABC`: recognisably OpenAI-shaped, still traceable to the upstream id.
    static func openAIID(fromAnthropic id: String) -> String {
        if id.hasPrefix("chatcmpl-") { return id }
        return "chatcmpl-" + (id.hasPrefix("msg_") ? String(id.dropFirst(4)) : id)
    }

    /// `chatcmpl-XYZ` -> `msg_XYZ`.
    static func anthropicID(fromOpenAI id: String) -> String {
        if id.hasPrefix("msg_") { return id }
        return "msg_" + (id.hasPrefix("chatcmpl-") ? String(id.dropFirst(9)) : id)
    }

    // MARK: Usage

    /// Reads an OpenAI `usage` object. `prompt_tokens` already includes cached tokens.
    static func usage(fromOpenAI usage: WireJSONObject) -> TokenUsage {
        TokenUsage(
            promptTokens: usage["prompt_tokens"]?.intValue ?? 0,
            completionTokens: usage["completion_tokens"]?.intValue ?? 0,
            cachedPromptTokens: usage["prompt_tokens_details"]?["cached_tokens"]?.intValue ?? 0
        )
    }

    /// Reads an Anthropic `usage` object. Anthropic's `input_tokens` excludes cache reads and
    /// cache writes, so the prompt total adds them back (OpenAI's convention, and what is billed);
    /// the sum saturates (`TokenUsage.sum`), as untrusted counts may be anything up to `Int.max`.
    static func usage(fromAnthropic usage: WireJSONObject) -> TokenUsage {
        let input = usage["input_tokens"]?.intValue ?? 0
        let cacheRead = usage["cache_read_input_tokens"]?.intValue ?? 0
        let cacheWrite = usage["cache_creation_input_tokens"]?.intValue ?? 0
        return TokenUsage(
            promptTokens: TokenUsage.sum(input, cacheRead, cacheWrite),
            completionTokens: usage["output_tokens"]?.intValue ?? 0,
            cachedPromptTokens: cacheRead
        )
    }

    /// An OpenAI `usage` object for the given counts.
    static func openAIUsage(_ usage: TokenUsage) -> WireJSON {
        [
            "prompt_tokens": .int(usage.promptTokens),
            "completion_tokens": .int(usage.completionTokens),
            "total_tokens": .int(usage.totalTokens),
            "prompt_tokens_details": ["cached_tokens": .int(usage.cachedPromptTokens)],
        ]
    }

    /// An Anthropic `usage` object for the given counts (`input_tokens` without the cache reads).
    static func anthropicUsage(_ usage: TokenUsage) -> WireJSON {
        [
            "input_tokens": .int(max(0, usage.promptTokens - usage.cachedPromptTokens)),
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": .int(usage.cachedPromptTokens),
            "output_tokens": .int(usage.completionTokens),
        ]
    }

    // MARK: Error types

    /// Anthropic error `type` -> the closest OpenAI error `type`.
    /// `type` is the vendor's (any string); the answer is one of the gateway's closed set.
    static func openAIErrorType(fromAnthropic type: String?) -> GatewayErrorType {
        switch type {
        case "invalid_request_error": .invalidRequestError
        case "authentication_error": .authenticationError
        case "permission_error": .permissionError
        case "not_found_error": .notFoundError
        case "rate_limit_error": .rateLimitError
        case "request_too_large": .invalidRequestError
        default: .serverError  // api_error, overloaded_error, unknown
        }
    }

    /// OpenAI error `type` -> the closest Anthropic error `type`.
    /// `type` is the vendor's (any string); the answer is one of the gateway's closed set.
    static func anthropicErrorType(fromOpenAI type: String?) -> GatewayErrorType {
        switch type {
        case "invalid_request_error": .invalidRequestError
        case "authentication_error": .authenticationError
        case "permission_error": .permissionError
        case "not_found_error": .notFoundError
        case "rate_limit_error", "requests", "tokens", "rate_limit_exceeded": .rateLimitError
        case "server_error", "service_unavailable": .apiError
        default: .apiError
        }
    }
}
