import AAMCore

/// Anthropic Messages in, Anthropic Messages out: the body passes through with only `model` replaced.
public struct AnthropicMessagesPassthroughBridge: WireBridge {
    public init() {}

    public func requestBody(_ body: [UInt8], scan: JSONObjectScanner, upstreamModel: String, stream: Bool) throws(TranslationError) -> [UInt8] {
        JSONSplicer.splice(body, scan: scan, replacing: ["model": JSONSplicer.quoted(upstreamModel)])
    }

    public func responseBody(_ body: [UInt8], responseModel: String) throws -> (body: [UInt8], usage: TokenUsage?) {
        let scan = try JSONObjectScanner(body)
        return (body, scan.rawValue("usage", in: body).flatMap { ResponseTranslator.usage(fromAnthropicUsageObject: $0) })
    }

    public func streamTranslator(responseModel: String, clientRequestedUsage: Bool) -> any StreamTranslator {
        AnthropicPassthroughStream()
    }
}
