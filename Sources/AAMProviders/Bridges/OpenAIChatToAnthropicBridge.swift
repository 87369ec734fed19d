import AAMCore

/// OpenAI chat in, Anthropic Messages upstream: translated both ways (`RequestTranslator`,
/// `ResponseTranslator`, `AnthropicToOpenAIStream`).
public struct OpenAIChatToAnthropicBridge: WireBridge {
    public init() {}

    public func requestBody(_ body: [UInt8], scan: JSONObjectScanner, upstreamModel: String, stream: Bool) throws(TranslationError) -> [UInt8] {
        try RequestTranslator.openAIToAnthropic(body, upstreamModel: upstreamModel)
    }

    public func responseBody(_ body: [UInt8], responseModel: String) throws -> (body: [UInt8], usage: TokenUsage?) {
        let (translated, usage) = try ResponseTranslator.anthropicToOpenAI(body, responseModel: responseModel)
        return (translated, usage)
    }

    public func streamTranslator(responseModel: String, clientRequestedUsage: Bool) -> any StreamTranslator {
        AnthropicToOpenAIStream(responseModel: responseModel, clientRequestedUsage: clientRequestedUsage)
    }
}
