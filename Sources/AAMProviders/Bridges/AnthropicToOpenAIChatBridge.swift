import AAMCore

/// Anthropic Messages in, OpenAI chat upstream: translated both ways (`RequestTranslator`,
/// `ResponseTranslator`, `OpenAIToAnthropicStream`).
public struct AnthropicToOpenAIChatBridge: WireBridge {
    public init() {}

    public func requestBody(_ body: [UInt8], scan: JSONObjectScanner, upstreamModel: String, stream: Bool) throws(TranslationError) -> [UInt8] {
        try RequestTranslator.anthropicToOpenAI(body, upstreamModel: upstreamModel)
    }

    public func responseBody(_ body: [UInt8], responseModel: String) throws -> (body: [UInt8], usage: TokenUsage?) {
        let (translated, usage) = try ResponseTranslator.openAIToAnthropic(body, responseModel: responseModel)
        return (translated, usage)
    }

    public func streamTranslator(responseModel: String, clientRequestedUsage: Bool) -> any StreamTranslator {
        OpenAIToAnthropicStream(responseModel: responseModel)
    }
}
