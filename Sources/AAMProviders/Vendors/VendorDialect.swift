import AAMCore
import Foundation

/// One vendor protocol's dialect: where its endpoints are, how a credential is presented, which
/// headers it needs, and how its refusals read.
///
/// Why one type per vendor: these facts used to be spread over the request builder, the
/// transport and the error policy, so adding a vendor meant touching about six files. Now a
/// vendor is one type in `Vendors/` plus one row in `ProviderProtocol.dialect`; its body format
/// is a `WireBridge`: a `WireBridges` row when it speaks an inbound API's format
/// (`NativeWireDialect`), else its own bridges in its own folder (`Vendors/Gemini/`).
public protocol VendorDialect: Sendable {
    /// How requests from the inbound API `inbound` are translated for this vendor, and its
    /// answers back (`NativeWireDialect` takes it from `WireBridges`; a vendor with a body
    /// format of its own, such as Gemini, names its own bridges).
    func bridge(from inbound: WireProtocol) -> any WireBridge
    /// The vendor has an embeddings endpoint (`embeddingsURL` is non-nil).
    var servesEmbeddings: Bool { get }
    /// The chat endpoint for `upstreamModel` at `provider`.
    func chatURL(_ provider: ProviderConfig, upstreamModel: String) -> String
    /// The chat endpoint for a plain (`stream` false) or streamed call: the same as
    /// `chatURL(_:upstreamModel:)` unless the vendor streams on another URL (Gemini).
    func chatURL(_ provider: ProviderConfig, upstreamModel: String, stream: Bool) -> String
    /// The embeddings endpoint, nil when the vendor has none.
    func embeddingsURL(_ provider: ProviderConfig, upstreamModel: String) -> String?
    /// The vendor's own Responses API endpoint (the model goes in the body), nil when it has
    /// none: a Responses call is then translated to chat. A provider can still turn it off
    /// (`ProviderConfig.responsesAPI`), see `ProviderConfig.speaksResponsesAPI`.
    func responsesURL(_ provider: ProviderConfig) -> String?
    /// The one header (lowercase name) that carries the vendor credential: the only place a
    /// credential becomes a header, for every upstream client.
    func credentialField(_ credential: SecretValue) -> (name: String, value: String)
    /// The headers that authenticate one request (`headers` are the ones it already carries,
    /// `host` included where the transport sets it): `credentialField` unless the vendor signs
    /// the whole request (Bedrock's SigV4, at `now`).
    func credentialFields(
        _ credential: SecretValue, provider: ProviderConfig, url: String, headers: [(String, String)], body: [UInt8], now: Date
    ) -> [(name: String, value: String)]
    /// The error class of a vendor refusal that says more than its status (Bedrock's
    /// `Signature expired`: the host's clock, not the credential); nil for the status's own.
    func refusalClass(status: Int, body: [UInt8]) -> ErrorCode?
    /// Headers the vendor requires beyond the content type. `clientHeaders` are the inbound
    /// request's (lowercase names); a dialect forwards only the ones it names, and only when
    /// the client spoke the vendor's own API (`inbound == NativeWireDialect.chatWire`).
    func requiredHeaders(inbound: WireProtocol, clientHeaders: [(String, String)], configured: [String: String]) -> [(String, String)]
    /// The message of a vendor error body, nil when it cannot be read.
    func errorMessage(_ body: [UInt8]) -> String?
    /// The vendor's "the prompt does not fit" refusal, which a larger-context alias may still serve.
    func isContextLengthError(_ body: [UInt8]) -> Bool
    /// The vendor refused the gateway's credential with a status other than 401/403 (Gemini
    /// answers a wrong API key with `400 API_KEY_INVALID`): never the client's fault.
    func isCredentialRefusal(status: Int, body: [UInt8]) -> Bool
    /// The health outcome of a vendor error when its body says more than its status and
    /// headers (`classified`): a credential refusal in a 400, a retry delay in the body.
    func outcome(_ classified: UpstreamOutcome, status: Int, body: [UInt8], receivedAt: Date) -> UpstreamOutcome
    /// The upstream embeddings body for an OpenAI `/v1/embeddings` request (`scan` is its
    /// top-level scan): by default the same body with `model` replaced.
    func embeddingsBody(_ body: [UInt8], scan: JSONObjectScanner, upstreamModel: String) throws(TranslationError) -> [UInt8]
    /// The client's OpenAI embeddings answer and its usage, from the vendor's 2xx body
    /// (`request` is the client's body): by default the body as it came and its `usage`.
    /// `estimated`: the vendor reports no usage, so it is the gateway's estimate.
    func embeddingsAnswer(_ body: [UInt8], request: [UInt8], responseModel: String) throws(TranslationError) -> (body: [UInt8], usage: TokenUsage?, estimated: Bool)
}

/// A vendor whose chat endpoint speaks one of the inbound APIs (OpenAI chat, Anthropic
/// Messages): its bridges are the `WireBridges` rows for that format.
public protocol NativeWireDialect: VendorDialect {
    /// The body format of the vendor's chat endpoint.
    var chatWire: WireProtocol { get }
}

extension NativeWireDialect {
    public func bridge(from inbound: WireProtocol) -> any WireBridge {
        WireBridges.bridge(from: inbound, to: chatWire)
    }
}

extension VendorDialect {
    public func chatURL(_ provider: ProviderConfig, upstreamModel: String, stream: Bool) -> String {
        chatURL(provider, upstreamModel: upstreamModel)
    }

    public func isCredentialRefusal(status: Int, body: [UInt8]) -> Bool { false }

    public func responsesURL(_ provider: ProviderConfig) -> String? { nil }

    public func credentialFields(
        _ credential: SecretValue, provider: ProviderConfig, url: String, headers: [(String, String)], body: [UInt8], now: Date
    ) -> [(name: String, value: String)] {
        [credentialField(credential)]
    }

    public func refusalClass(status: Int, body: [UInt8]) -> ErrorCode? { nil }

    public func outcome(_ classified: UpstreamOutcome, status: Int, body: [UInt8], receivedAt: Date) -> UpstreamOutcome {
        classified
    }

    public func embeddingsBody(_ body: [UInt8], scan: JSONObjectScanner, upstreamModel: String) throws(TranslationError) -> [UInt8] {
        JSONSplicer.splice(body, scan: scan, replacing: ["model": JSONSplicer.quoted(upstreamModel)])
    }

    public func embeddingsAnswer(_ body: [UInt8], request: [UInt8], responseModel: String) throws(TranslationError) -> (body: [UInt8], usage: TokenUsage?, estimated: Bool) {
        guard (try? JSONObjectScanner(body)) != nil else { throw TranslationError(message: "response body: not a JSON object") }
        return (body, ResponseTranslator.usage(fromOpenAIResponse: body), false)
    }

    public func requiredHeaders(inbound: WireProtocol, clientHeaders: [(String, String)], configured: [String: String]) -> [(String, String)] {
        []
    }

    public func errorMessage(_ body: [UInt8]) -> String? { UpstreamErrorReader.read(body)?.message }

    public func isContextLengthError(_ body: [UInt8]) -> Bool {
        let text = String(decoding: body.prefix(4096), as: UTF8.self).lowercased()
        return text.contains("context_length_exceeded") || text.contains("prompt is too long")
            || text.contains("maximum context length")
    }
}

extension ProviderProtocol {
    /// The dialect of this protocol: the registry of vendors (one row each).
    public var dialect: any VendorDialect {
        switch self {
        case .openai: OpenAIDialect()
        case .azureOpenAI: AzureOpenAIDialect()
        case .anthropic: AnthropicDialect()
        case .gemini: GeminiDialect()
        case .bedrock: BedrockDialect()
        case .simulated: SimulatedDialect()
        }
    }
}

extension ProviderConfig {
    /// The provider's upstream speaks the Responses API itself (its dialect has the endpoint
    /// and the provider did not turn it off): a Responses call passes through byte-faithfully,
    /// and only such a provider can serve one that needs server-side state.
    public var speaksResponsesAPI: Bool {
        responsesAPI != false && wireProtocol.dialect.responsesURL(self) != nil
    }

    /// The bridge of a Responses call to this provider: the pass-through, or the chat bridge of
    /// the request the door translated.
    public var responsesBridge: any WireBridge {
        speaksResponsesAPI ? WireBridges.bridge(from: .openAIResponses, to: .openAIResponses) : wireProtocol.dialect.bridge(from: .openAIChat)
    }
}

/// URL pieces every dialect uses.
enum VendorURL {
    /// `https://host` -> `https://host/v1`; `https://host/v1` and `http://host:11434/v1/` stay `…/v1`.
    static func versioned(_ base: String) -> String {
        let base = trimmed(base)
        return base.hasSuffix("/v1") ? base : base + "/v1"
    }

    static func trimmed(_ base: String) -> String {
        var base = base
        while base.hasSuffix("/") { base.removeLast() }
        return base
    }

    /// `https://host` -> `https://host/v1beta`; a base that already ends in a version stays.
    static func versioned(_ base: String, version: String) -> String {
        let base = trimmed(base)
        return base.hasSuffix("/" + version) ? base : base + "/" + version
    }

    /// One path segment (a model or deployment name), `/` included, percent-encoded.
    static func segment(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? segment
    }
}
