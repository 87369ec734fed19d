/// Translates request bodies between the two wire protocols. Pure functions over bytes.
///
/// Fields without a counterpart on the other side are dropped (e.g. OpenAI `seed`,
/// `logit_bias`, `presence_penalty`; Anthropic `top_k`); fields whose meaning would be lost in a
/// way the caller must know about (OpenAI `n > 1`, non-function tools) are refused with a
/// ``TranslationError`` naming the field.
public enum RequestTranslator {
    /// Inbound OpenAI chat request -> Anthropic `/v1/messages` body. `upstreamModel` replaces `model`.
    ///
    /// - `system`/`developer` messages (wherever they appear) -> `system`.
    /// - `tool` messages -> `tool_result` blocks in one user turn; consecutive ones are merged,
    ///   and a user message right after them joins the same turn (Anthropic wants tool results first).
    /// - assistant `tool_calls` -> `tool_use` blocks (arguments must be a JSON object).
    /// - `tools`/`tool_choice`/`parallel_tool_calls` mapped; `max_completion_tokens` or
    ///   `max_tokens`, else `defaultMaxTokens` (Anthropic requires it); `stop` -> `stop_sequences`;
    ///   `temperature` clamped to Anthropic's 0...1; `top_p`, `stream`, `user` -> `metadata.user_id`.
    /// - `n > 1` is refused: Anthropic returns a single choice.
    /// - `response_format` `json_object`/`json_schema` becomes a system instruction: best effort,
    ///   Anthropic has no enforced JSON mode.
    public static func openAIToAnthropic(
        _ body: [UInt8], upstreamModel: String, defaultMaxTokens: Int = 4096
    ) throws(TranslationError) -> [UInt8] {
        let request = try FieldReader.root(body, context: "request body")
        return try OpenAIRequestConverter.convert(request, upstreamModel: upstreamModel, defaultMaxTokens: defaultMaxTokens)
            .serialized()
    }

    /// Inbound Anthropic request -> OpenAI chat body. When `stream` is true, adds
    /// `stream_options.include_usage = true` so the gateway can meter the stream.
    ///
    /// `system` -> a leading system message; `tool_result` blocks -> `tool` messages placed
    /// before the rest of their user turn; `tool_use` -> assistant `tool_calls`; `max_tokens` ->
    /// `max_completion_tokens` (OpenAI's current name); `stop_sequences` -> `stop`;
    /// `metadata.user_id` -> `user`; `thinking` blocks and `top_k` are dropped.
    public static func anthropicToOpenAI(_ body: [UInt8], upstreamModel: String) throws(TranslationError) -> [UInt8] {
        let request = try FieldReader.root(body, context: "request body")
        return try AnthropicRequestConverter.convert(request, upstreamModel: upstreamModel).serialized()
    }
}
