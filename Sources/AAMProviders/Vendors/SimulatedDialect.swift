import AAMCore

/// The built-in simulated vendor (demo, load tests): answered in process, no network. Its URLs
/// only name the provider for logs; it speaks OpenAI chat and embeddings.
public struct SimulatedDialect: NativeWireDialect {
    public init() {}

    public var chatWire: WireProtocol { .openAIChat }
    public var servesEmbeddings: Bool { true }

    public func chatURL(_ provider: ProviderConfig, upstreamModel: String) -> String {
        "simulated://\(provider.name)/v1/chat/completions"
    }

    public func embeddingsURL(_ provider: ProviderConfig, upstreamModel: String) -> String? {
        "simulated://\(provider.name)/v1/embeddings"
    }

    public func credentialField(_ credential: SecretValue) -> (name: String, value: String) {
        ("authorization", "Bearer " + credential.revealForTransport())
    }
}
