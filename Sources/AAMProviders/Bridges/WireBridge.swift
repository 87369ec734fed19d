import AAMCore

/// How one (inbound API, upstream body format) pair translates: the request body, a complete
/// answer with its usage, and a stream.
///
/// One bridge per pair replaces the 2x2 switches the request builder and the relay each had;
/// a new inbound API or a vendor with a new body format adds bridges here, not cases there.
public protocol WireBridge: Sendable {
    /// The upstream body for the inbound `body` (`scan` is its top-level scan): the model
    /// replaced by `upstreamModel`, translated when the formats differ. `stream`: the client
    /// asked for a stream (a bridge may ask the vendor for usage in it).
    func requestBody(_ body: [UInt8], scan: JSONObjectScanner, upstreamModel: String, stream: Bool) throws(TranslationError) -> [UInt8]
    /// The client's answer and the usage it reports, from a vendor's 2xx body.
    func responseBody(_ body: [UInt8], responseModel: String) throws -> (body: [UInt8], usage: TokenUsage?)
    /// The event translator for a stream.
    func streamTranslator(responseModel: String, clientRequestedUsage: Bool) -> any StreamTranslator
    /// A byte-level pass-through for streams, where the two formats are one and no response
    /// guardrail has to rewrite events; nil where there is none.
    func fastPassthrough(clientRequestedUsage: Bool) -> (any ByteStreamPassthrough)?
    /// How the vendor's stream is framed: server-sent events unless the vendor says otherwise
    /// (Bedrock's binary event stream).
    func eventReader() -> any UpstreamEventReader
}

extension WireBridge {
    public func fastPassthrough(clientRequestedUsage: Bool) -> (any ByteStreamPassthrough)? { nil }

    public func eventReader() -> any UpstreamEventReader { SSEEventReader() }
}

/// The bridge registry: one row per (inbound, upstream) pair.
public enum WireBridges {
    public static func bridge(from inbound: WireProtocol, to upstream: WireProtocol) -> any WireBridge {
        switch (inbound, upstream) {
        case (.openAIChat, .openAIChat): OpenAIChatPassthroughBridge()
        case (.anthropicMessages, .anthropicMessages): AnthropicMessagesPassthroughBridge()
        case (.openAIResponses, .openAIResponses): OpenAIResponsesPassthroughBridge()
        case (.openAIChat, .anthropicMessages): OpenAIChatToAnthropicBridge()
        case (.anthropicMessages, .openAIChat): AnthropicToOpenAIChatBridge()
        // A Responses call to an upstream without the Responses API became a chat request at
        // the door (`ResponsesRequestTranslator`): the chat row carries it.
        case (.openAIResponses, let upstream): bridge(from: .openAIChat, to: upstream)
        // The vendors with a Responses endpoint (OpenAI, Azure) serve chat completions too,
        // which is where chat and Messages calls go.
        case (let inbound, .openAIResponses): bridge(from: inbound, to: .openAIChat)
        }
    }
}
