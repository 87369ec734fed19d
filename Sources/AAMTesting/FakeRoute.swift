/// The vendor endpoint a request addresses, decided from method and path alone.
enum FakeRoute: Sendable, Equatable {
    case openAIChat
    case openAIEmbeddings
    /// `GET /v1/models`, answered in OpenAI's or Anthropic's shape depending on the auth header.
    case models
    case azureChat(deployment: String)
    case azureEmbeddings(deployment: String)
    /// Anything else under `/openai/`: Azure answers 404 "Resource not found".
    case azureUnknown
    case anthropicMessages
    case unknown

    init(method: String, path: String) {
        switch (method, path) {
        case ("POST", "/v1/chat/completions"): self = .openAIChat
        case ("POST", "/v1/embeddings"): self = .openAIEmbeddings
        case ("GET", "/v1/models"): self = .models
        case ("POST", "/v1/messages"): self = .anthropicMessages
        default:
            self = Self.azure(method: method, path: path)
        }
    }

    /// `/openai/deployments/{deployment}/chat/completions` and `/…/embeddings`.
    private static func azure(method: String, path: String) -> FakeRoute {
        guard path.hasPrefix("/openai/") else { return .unknown }
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        guard method == "POST", parts.count >= 4, parts[0] == "openai", parts[1] == "deployments" else {
            return .azureUnknown
        }
        let deployment = String(parts[2])
        let rest = parts[3...].joined(separator: "/")
        switch rest {
        case "chat/completions": return .azureChat(deployment: deployment)
        case "embeddings": return .azureEmbeddings(deployment: deployment)
        default: return .azureUnknown
        }
    }
}
