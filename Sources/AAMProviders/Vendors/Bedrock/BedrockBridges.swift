import AAMCore

/// An inbound API in, Bedrock Converse upstream, with Anthropic Messages as the pivot: an OpenAI
/// chat request is first what an Anthropic upstream would get (`RequestTranslator.openAIToAnthropic`),
/// then Converse (`AnthropicToConverseRequest`); the answer comes back as an Anthropic message
/// (`ConverseAnswers`, `ConverseStreamTranslator`) and, for an OpenAI client, through the same
/// translators as an Anthropic upstream's. One Converse mapping, and the client's bytes are
/// exactly those the existing translators emit.
public struct BedrockBridge: WireBridge {
    public let inbound: WireProtocol

    public init(inbound: WireProtocol) {
        // A Responses call reaches Bedrock as the chat request the door made of it.
        self.inbound = inbound == .openAIResponses ? .openAIChat : inbound
    }

    public func requestBody(_ body: [UInt8], scan: JSONObjectScanner, upstreamModel: String, stream: Bool) throws(TranslationError) -> [UInt8] {
        // The model is in the URL (`BedrockDialect.chatURL`), not the body.
        switch inbound {
        case .anthropicMessages: try AnthropicToConverseRequest.convert(body)
        case .openAIChat, .openAIResponses: try AnthropicToConverseRequest.convert(RequestTranslator.openAIToAnthropic(body, upstreamModel: upstreamModel))
        }
    }

    public func responseBody(_ body: [UInt8], responseModel: String) throws -> (body: [UInt8], usage: TokenUsage?) {
        let (message, usage) = try ConverseAnswers.anthropic(body, responseModel: responseModel)
        switch inbound {
        case .anthropicMessages: return (message, usage)
        case .openAIChat, .openAIResponses:
            let (answer, _) = try ResponseTranslator.anthropicToOpenAI(message, responseModel: responseModel)
            return (answer, usage)
        }
    }

    public func streamTranslator(responseModel: String, clientRequestedUsage: Bool) -> any StreamTranslator {
        switch inbound {
        case .anthropicMessages:
            ConverseStreamTranslator(inner: AnthropicPassthroughStream(), responseModel: responseModel)
        case .openAIChat, .openAIResponses:
            ConverseStreamTranslator(
                inner: AnthropicToOpenAIStream(responseModel: responseModel, clientRequestedUsage: clientRequestedUsage), responseModel: responseModel)
        }
    }

    public func eventReader() -> any UpstreamEventReader { BedrockEventReader() }
}
