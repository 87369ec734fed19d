import AAMCore

/// OpenAI chat in, Gemini upstream: translated both ways (`OpenAIToGeminiRequest`,
/// `GeminiAnswers.openAI`, `GeminiToOpenAIStream`).
public struct OpenAIChatToGeminiBridge: WireBridge {
    public init() {}

    public func requestBody(_ body: [UInt8], scan: JSONObjectScanner, upstreamModel: String, stream: Bool) throws(TranslationError) -> [UInt8] {
        // The model is in the URL (`GeminiDialect.chatURL`), not the body.
        try OpenAIToGeminiRequest.convert(body)
    }

    public func responseBody(_ body: [UInt8], responseModel: String) throws -> (body: [UInt8], usage: TokenUsage?) {
        let (answer, usage) = try GeminiAnswers.openAI(body, responseModel: responseModel)
        return (answer, usage)
    }

    public func streamTranslator(responseModel: String, clientRequestedUsage: Bool) -> any StreamTranslator {
        GeminiToOpenAIStream(responseModel: responseModel, clientRequestedUsage: clientRequestedUsage)
    }
}

/// Anthropic Messages in, Gemini upstream: translated both ways (`AnthropicToGeminiRequest`,
/// `GeminiAnswers.anthropic`, `GeminiToAnthropicStream`).
public struct AnthropicToGeminiBridge: WireBridge {
    public init() {}

    public func requestBody(_ body: [UInt8], scan: JSONObjectScanner, upstreamModel: String, stream: Bool) throws(TranslationError) -> [UInt8] {
        try AnthropicToGeminiRequest.convert(body)
    }

    public func responseBody(_ body: [UInt8], responseModel: String) throws -> (body: [UInt8], usage: TokenUsage?) {
        let (answer, usage) = try GeminiAnswers.anthropic(body, responseModel: responseModel)
        return (answer, usage)
    }

    public func streamTranslator(responseModel: String, clientRequestedUsage: Bool) -> any StreamTranslator {
        GeminiToAnthropicStream(responseModel: responseModel)
    }
}
