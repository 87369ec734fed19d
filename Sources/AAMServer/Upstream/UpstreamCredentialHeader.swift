import AAMCore

/// The only place a vendor credential becomes a request header, for every upstream client
/// (AsyncHTTPClient and the SwiftNIO one write exactly the same field).
enum UpstreamCredentialHeader {
    /// The header name and value that carry `credential` in `wire`'s dialect.
    static func field(for wire: ProviderProtocol, credential: SecretValue) -> (name: String, value: String) {
        switch wire {
        case .anthropic: ("x-api-key", credential.revealForTransport())
        case .azureOpenAI: ("api-key", credential.revealForTransport())
        case .openai, .simulated: ("authorization", "Bearer " + credential.revealForTransport())
        }
    }
}
