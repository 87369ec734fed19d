import Foundation

/// The vendor endpoint a request addresses, decided from method and path alone.
enum FakeRoute: Sendable, Equatable {
    case openAIChat
    case openAIEmbeddings
    /// `POST /v1/responses`: the Responses API (plain or typed SSE events, stored responses).
    case openAIResponses
    /// Azure's Responses API, `POST /openai/v1/responses` (deployment in the body's `model`).
    case azureResponses
    /// `GET /v1/models`, answered in OpenAI's or Anthropic's shape depending on the auth header.
    case models
    case azureChat(deployment: String)
    case azureEmbeddings(deployment: String)
    /// Anything else under `/openai/`: Azure answers 404 "Resource not found".
    case azureUnknown
    case anthropicMessages
    /// Gemini `POST /v1beta/models/{model}:generateContent` (`stream` false) or
    /// `:streamGenerateContent` (`sse`: with `alt=sse`, else one JSON array).
    case geminiGenerate(model: String, stream: Bool, sse: Bool)
    /// Gemini `:embedContent` (`batch` false) or `:batchEmbedContents`.
    case geminiEmbed(model: String, batch: Bool)
    /// Any other `/v1beta/` path or model method: Gemini's 404.
    case geminiUnknown
    /// Bedrock `POST /model/{modelId}/converse` (`stream` false) or `/converse-stream`; the
    /// model id percent-decoded.
    case bedrockConverse(model: String, stream: Bool)
    /// Any other `/model/` path: Bedrock's 404.
    case bedrockUnknown
    case unknown

    init(method: String, path: String, query: String? = nil) {
        if path.hasPrefix("/v1beta/") {
            self = Self.gemini(method: method, path: path, query: query)
            return
        }
        if path.hasPrefix("/model/") {
            self = Self.bedrock(method: method, path: path)
            return
        }
        switch (method, path) {
        case ("POST", "/v1/chat/completions"): self = .openAIChat
        case ("POST", "/v1/embeddings"): self = .openAIEmbeddings
        case ("POST", "/v1/responses"): self = .openAIResponses
        case ("GET", "/v1/models"): self = .models
        case ("POST", "/v1/messages"): self = .anthropicMessages
        default:
            self = Self.azure(method: method, path: path)
        }
    }

    /// `/v1beta/models/{model}:{method}`.
    private static func gemini(method: String, path: String, query: String?) -> FakeRoute {
        let rest = path.dropFirst("/v1beta/models/".count)
        guard method == "POST", path.hasPrefix("/v1beta/models/"), let colon = rest.lastIndex(of: ":") else { return .geminiUnknown }
        let model = String(rest[..<colon])
        switch rest[rest.index(after: colon)...] {
        case "generateContent": return .geminiGenerate(model: model, stream: false, sse: false)
        case "streamGenerateContent":
            return .geminiGenerate(model: model, stream: true, sse: FakeUpstreamResponder.queryValue("alt", in: query) == "sse")
        case "embedContent": return .geminiEmbed(model: model, batch: false)
        case "batchEmbedContents": return .geminiEmbed(model: model, batch: true)
        default: return .geminiUnknown
        }
    }

    /// `/model/{modelId}/converse` and `/converse-stream` (the id is one encoded segment).
    private static func bedrock(method: String, path: String) -> FakeRoute {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard method == "POST", parts.count == 4, let model = String(parts[2]).removingPercentEncoding, !model.isEmpty else { return .bedrockUnknown }
        switch parts[3] {
        case "converse": return .bedrockConverse(model: model, stream: false)
        case "converse-stream": return .bedrockConverse(model: model, stream: true)
        default: return .bedrockUnknown
        }
    }

    /// `/openai/deployments/{deployment}/chat/completions` and `/…/embeddings`.
    private static func azure(method: String, path: String) -> FakeRoute {
        guard path.hasPrefix("/openai/") else { return .unknown }
        if method == "POST", path == "/openai/v1/responses" { return .azureResponses }
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
