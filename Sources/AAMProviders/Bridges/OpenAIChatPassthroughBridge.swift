import AAMCore

/// OpenAI chat in, OpenAI chat out: the body passes through with only `model` replaced.
public struct OpenAIChatPassthroughBridge: WireBridge {
    public init() {}

    public func requestBody(_ body: [UInt8], scan: JSONObjectScanner, upstreamModel: String, stream: Bool) throws(TranslationError) -> [UInt8] {
        var replacements = ["model": JSONSplicer.quoted(upstreamModel)]
        // Always ask for usage so the call can be billed; the relay strips it again when the
        // client did not ask for it.
        if stream { replacements["stream_options"] = Array(#"{"include_usage":true}"#.utf8) }
        return JSONSplicer.splice(body, scan: scan, replacing: replacements)
    }

    public func responseBody(_ body: [UInt8], responseModel: String) throws -> (body: [UInt8], usage: TokenUsage?) {
        let scan = try JSONObjectScanner(body)
        return (body, scan.rawValue("usage", in: body).flatMap { ResponseTranslator.usage(fromOpenAIUsageObject: $0) })
    }

    public func streamTranslator(responseModel: String, clientRequestedUsage: Bool) -> any StreamTranslator {
        OpenAIPassthroughStream(clientRequestedUsage: clientRequestedUsage)
    }

    public func fastPassthrough(clientRequestedUsage: Bool) -> (any ByteStreamPassthrough)? {
        OpenAIFastPassthrough(clientRequestedUsage: clientRequestedUsage)
    }
}
