import AAMCore

/// The Responses API's `usage` object (`input_tokens`, `input_tokens_details.cached_tokens`,
/// `output_tokens`, `output_tokens_details.reasoning_tokens`, `total_tokens`) as the gateway's
/// `TokenUsage`. Reasoning tokens are part of `output_tokens` (and billed as output), so they
/// need no separate count; cached tokens are part of `input_tokens`, as in chat's usage.
public enum ResponsesUsage {
    public static func tokenUsage(_ usage: WireJSONObject) -> TokenUsage {
        TokenUsage(
            promptTokens: usage["input_tokens"]?.intValue ?? 0,
            completionTokens: usage["output_tokens"]?.intValue ?? 0,
            cachedPromptTokens: usage["input_tokens_details"]?["cached_tokens"]?.intValue ?? 0)
    }

    /// The usage of a `response` object (a plain answer, or the `response` of a
    /// `response.completed` event); nil when it has none.
    public static func tokenUsage(ofResponse response: WireJSONObject) -> TokenUsage? {
        response["usage"]?.objectValue.map(tokenUsage)
    }
}
