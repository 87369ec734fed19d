import AAMCore

/// Any OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, OpenRouter, …): `/v1/chat/completions`,
/// `/v1/embeddings`, a bearer token.
public struct OpenAIDialect: NativeWireDialect {
    public init() {}

    public var chatWire: WireProtocol { .openAIChat }
    public var servesEmbeddings: Bool { true }

    public func chatURL(_ provider: ProviderConfig, upstreamModel: String) -> String {
        VendorURL.versioned(provider.baseURL) + "/chat/completions"
    }

    public func embeddingsURL(_ provider: ProviderConfig, upstreamModel: String) -> String? {
        VendorURL.versioned(provider.baseURL) + "/embeddings"
    }

    public func responsesURL(_ provider: ProviderConfig) -> String? {
        VendorURL.versioned(provider.baseURL) + "/responses"
    }

    public func credentialField(_ credential: SecretValue) -> (name: String, value: String) {
        ("authorization", "Bearer " + credential.revealForTransport())
    }
}
