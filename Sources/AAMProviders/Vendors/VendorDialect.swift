import AAMCore
import Foundation

/// One vendor protocol's dialect: where its endpoints are, how a credential is presented, which
/// headers it needs, and how its refusals read.
///
/// Why one type per vendor: these facts used to be spread over the request builder, the
/// transport and the error policy, so adding a vendor meant touching about six files. Now a
/// vendor is one type in `Vendors/` plus one row in `ProviderProtocol.dialect`; its body format
/// is a `WireBridge` (new only if the vendor speaks a new format).
public protocol VendorDialect: Sendable {
    /// The body format of the vendor's chat endpoint.
    var chatWire: WireProtocol { get }
    /// The vendor has an OpenAI-shaped embeddings endpoint (`embeddingsURL` is non-nil).
    var servesEmbeddings: Bool { get }
    /// The chat endpoint for `upstreamModel` at `provider`.
    func chatURL(_ provider: ProviderConfig, upstreamModel: String) -> String
    /// The embeddings endpoint, nil when the vendor has none.
    func embeddingsURL(_ provider: ProviderConfig, upstreamModel: String) -> String?
    /// The one header (lowercase name) that carries the vendor credential: the only place a
    /// credential becomes a header, for every upstream client.
    func credentialField(_ credential: SecretValue) -> (name: String, value: String)
    /// Headers the vendor requires beyond the content type. `clientHeaders` are the inbound
    /// request's (lowercase names); a dialect forwards only the ones it names, and only when
    /// the client spoke the vendor's own API (`inbound == chatWire`).
    func requiredHeaders(inbound: WireProtocol, clientHeaders: [(String, String)], configured: [String: String]) -> [(String, String)]
    /// The message of a vendor error body, nil when it cannot be read.
    func errorMessage(_ body: [UInt8]) -> String?
    /// The vendor's "the prompt does not fit" refusal, which a larger-context alias may still serve.
    func isContextLengthError(_ body: [UInt8]) -> Bool
}

extension VendorDialect {
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
        case .simulated: SimulatedDialect()
        }
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

    /// One path segment (a model or deployment name), `/` included, percent-encoded.
    static func segment(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? segment
    }
}
