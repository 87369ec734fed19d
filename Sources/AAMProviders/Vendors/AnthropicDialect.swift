import AAMCore

/// Anthropic Messages: `/v1/messages`, an `x-api-key` header, a required `anthropic-version`,
/// and no embeddings API.
public struct AnthropicDialect: NativeWireDialect {
    public init() {}

    /// The API version sent when neither the client (on `/v1/messages`) nor the provider's
    /// configured headers name one.
    public static let defaultVersion = "2023-06-01"
    /// Client headers passed on when the client spoke Messages itself (beta features, its version).
    public static let forwardedClientHeaders: Set<String> = ["anthropic-version", "anthropic-beta"]

    public var chatWire: WireProtocol { .anthropicMessages }
    public var servesEmbeddings: Bool { false }

    public func chatURL(_ provider: ProviderConfig, upstreamModel: String) -> String {
        VendorURL.versioned(provider.baseURL) + "/messages"
    }

    public func embeddingsURL(_ provider: ProviderConfig, upstreamModel: String) -> String? { nil }

    public func credentialField(_ credential: SecretValue) -> (name: String, value: String) {
        ("x-api-key", credential.revealForTransport())
    }

    public func requiredHeaders(inbound: WireProtocol, clientHeaders: [(String, String)], configured: [String: String]) -> [(String, String)] {
        var headers = inbound == chatWire ? clientHeaders.filter { Self.forwardedClientHeaders.contains($0.0) } : []
        let versioned = headers.contains { $0.0 == "anthropic-version" } || configured.keys.contains { $0.lowercased() == "anthropic-version" }
        if !versioned { headers.append(("anthropic-version", Self.defaultVersion)) }
        return headers
    }
}
