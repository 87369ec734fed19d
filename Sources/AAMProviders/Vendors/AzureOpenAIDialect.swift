import AAMCore

/// Azure OpenAI: the model is a deployment in the URL, the API version a query parameter, and
/// the credential an `api-key` header.
public struct AzureOpenAIDialect: NativeWireDialect {
    public init() {}

    public var chatWire: WireProtocol { .openAIChat }
    public var servesEmbeddings: Bool { true }

    public func chatURL(_ provider: ProviderConfig, upstreamModel: String) -> String {
        deploymentURL(provider, upstreamModel: upstreamModel, operation: "chat/completions")
    }

    public func embeddingsURL(_ provider: ProviderConfig, upstreamModel: String) -> String? {
        deploymentURL(provider, upstreamModel: upstreamModel, operation: "embeddings")
    }

    /// Azure serves the Responses API only on its OpenAI-compatible v1 surface,
    /// `POST {endpoint}/openai/v1/responses`, with the deployment name as the body's `model`
    /// and no deployment in the path; the v1 API takes no `api-version` (Microsoft Learn,
    /// "Azure OpenAI Responses API", learn.microsoft.com/azure/ai-foundry/openai/how-to/responses,
    /// and "API version lifecycle").
    public func responsesURL(_ provider: ProviderConfig) -> String? {
        VendorURL.trimmed(provider.baseURL) + "/openai/v1/responses"
    }

    public func credentialField(_ credential: SecretValue) -> (name: String, value: String) {
        ("api-key", credential.revealForTransport())
    }

    private func deploymentURL(_ provider: ProviderConfig, upstreamModel: String, operation: String) -> String {
        VendorURL.trimmed(provider.baseURL) + "/openai/deployments/\(VendorURL.segment(upstreamModel))/\(operation)?api-version=\(provider.apiVersion ?? "")"
    }
}
