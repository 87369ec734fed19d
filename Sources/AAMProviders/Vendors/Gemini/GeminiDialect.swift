import AAMCore
import Foundation

/// Google Gemini API (`generativelanguage.googleapis.com`): the model is in the URL
/// (`/v1beta/models/{model}:generateContent`, `:streamGenerateContent?alt=sse`,
/// `:batchEmbedContents`), the API key an `x-goog-api-key` header, and the body a format of
/// its own (`contents`/`parts`), so both inbound APIs are translated (`GeminiBridges`).
public struct GeminiDialect: VendorDialect {
    public init() {}

    /// The API version appended to a base URL that names none.
    public static let apiVersion = "v1beta"

    public func bridge(from inbound: WireProtocol) -> any WireBridge {
        switch inbound {
        // A Responses call reaches Gemini as the chat request the door made of it.
        case .openAIChat, .openAIResponses: OpenAIChatToGeminiBridge()
        case .anthropicMessages: AnthropicToGeminiBridge()
        }
    }

    public var servesEmbeddings: Bool { true }

    public func chatURL(_ provider: ProviderConfig, upstreamModel: String) -> String {
        modelURL(provider, upstreamModel: upstreamModel) + ":generateContent"
    }

    public func chatURL(_ provider: ProviderConfig, upstreamModel: String, stream: Bool) -> String {
        // Without `alt=sse` Gemini streams one JSON array, not server-sent events.
        stream ? modelURL(provider, upstreamModel: upstreamModel) + ":streamGenerateContent?alt=sse" : chatURL(provider, upstreamModel: upstreamModel)
    }

    public func embeddingsURL(_ provider: ProviderConfig, upstreamModel: String) -> String? {
        // The batch form serves one input as well as many: one URL, one body shape.
        modelURL(provider, upstreamModel: upstreamModel) + ":batchEmbedContents"
    }

    public func credentialField(_ credential: SecretValue) -> (name: String, value: String) {
        // The header, never the `?key=` query parameter: URLs end up in logs.
        ("x-goog-api-key", credential.revealForTransport())
    }

    public func isContextLengthError(_ body: [UInt8]) -> Bool {
        // 400 INVALID_ARGUMENT "The input token count (N) exceeds the maximum number of tokens allowed (M)."
        String(decoding: body.prefix(4096), as: UTF8.self).lowercased().contains("exceeds the maximum number of tokens")
    }

    public func isCredentialRefusal(status: Int, body: [UInt8]) -> Bool {
        status == 400 && GeminiError.read(body)?.reasons.contains("API_KEY_INVALID") == true
    }

    public func outcome(_ classified: UpstreamOutcome, status: Int, body: [UInt8], receivedAt: Date) -> UpstreamOutcome {
        if isCredentialRefusal(status: status, body: body) { return .credentialRejected(status: status) }
        // A 429 names its wait in the body (`RetryInfo.retryDelay: "37s"`), not in a header.
        if case .rateLimited(nil) = classified, let delay = GeminiError.read(body)?.retryDelaySeconds {
            return .rateLimited(retryAt: receivedAt.addingTimeInterval(delay))
        }
        return classified
    }

    public func embeddingsBody(_ body: [UInt8], scan: JSONObjectScanner, upstreamModel: String) throws(TranslationError) -> [UInt8] {
        try GeminiEmbeddings.requestBody(body, upstreamModel: GeminiDialect.modelName(upstreamModel))
    }

    public func embeddingsAnswer(_ body: [UInt8], request: [UInt8], responseModel: String) throws(TranslationError) -> (body: [UInt8], usage: TokenUsage?, estimated: Bool) {
        let (answer, usage) = try GeminiEmbeddings.answer(body, request: request, responseModel: responseModel)
        return (answer, usage, true)  // Gemini reports no usage for embeddings
    }

    /// `gemini-2.0-flash` and `models/gemini-2.0-flash` name the same model.
    static func modelName(_ upstreamModel: String) -> String {
        upstreamModel.hasPrefix("models/") ? String(upstreamModel.dropFirst(7)) : upstreamModel
    }

    private func modelURL(_ provider: ProviderConfig, upstreamModel: String) -> String {
        VendorURL.versioned(provider.baseURL, version: Self.apiVersion) + "/models/" + VendorURL.segment(Self.modelName(upstreamModel))
    }
}

/// Gemini's error body, `{"error":{"code":429,"message":…,"status":"RESOURCE_EXHAUSTED","details":[…]}}`
/// (Google's `google.rpc.Status`).
struct GeminiError {
    var code: Int?
    var message: String
    var status: String?
    /// `ErrorInfo.reason` of each detail (`API_KEY_INVALID`).
    var reasons: [String]
    /// `RetryInfo.retryDelay` (`"37s"`, `"1.5s"`) in seconds.
    var retryDelaySeconds: Double?

    static func read(_ body: [UInt8]) -> GeminiError? {
        guard let object = (try? WireJSON.parse(body))?.objectValue else { return nil }
        return read(object)
    }

    static func read(_ object: WireJSONObject) -> GeminiError? {
        guard let error = object["error"]?.objectValue, let message = error["message"]?.stringValue else { return nil }
        var reasons: [String] = []
        var delay: Double?
        for detail in error["details"]?.arrayValue ?? [] {
            if let reason = detail["reason"]?.stringValue { reasons.append(reason) }
            if let text = detail["retryDelay"]?.stringValue, text.hasSuffix("s"), let seconds = Double(text.dropLast()), seconds >= 0 {
                delay = seconds
            }
        }
        return GeminiError(code: error["code"]?.intValue, message: message, status: error["status"]?.stringValue, reasons: reasons, retryDelaySeconds: delay)
    }
}
