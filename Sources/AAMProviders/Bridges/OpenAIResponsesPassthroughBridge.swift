import AAMCore

/// Responses API in, Responses API upstream (OpenAI, Azure OpenAI): the body passes through
/// with only `model` replaced (the alias becomes the upstream model or Azure deployment), and
/// the answer comes back as the vendor sent it; usage is read off its `usage`
/// (`response.completed` in a stream).
public struct OpenAIResponsesPassthroughBridge: WireBridge {
    public init() {}

    public func requestBody(_ body: [UInt8], scan: JSONObjectScanner, upstreamModel: String, stream: Bool) throws(TranslationError) -> [UInt8] {
        // Only the model's value is rewritten; every other byte is the client's.
        JSONSplicer.splice(body, scan: scan, replacing: ["model": JSONSplicer.quoted(upstreamModel)])
    }

    public func responseBody(_ body: [UInt8], responseModel: String) throws -> (body: [UInt8], usage: TokenUsage?) {
        guard case .object(let response) = try WireJSON.parse(body, context: "response body") else {
            throw TranslationError(message: "response body: expected an object")
        }
        return (body, ResponsesUsage.tokenUsage(ofResponse: response))
    }

    public func streamTranslator(responseModel: String, clientRequestedUsage: Bool) -> any StreamTranslator {
        ResponsesPassthroughStream()
    }

    public func fastPassthrough(clientRequestedUsage: Bool) -> (any ByteStreamPassthrough)? {
        ResponsesFastPassthrough()
    }
}
