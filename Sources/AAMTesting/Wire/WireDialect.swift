/// Which vendor protocol a route speaks; decides every byte of the answer.
enum WireDialect: Sendable {
    case openAI
    case azure
    case anthropic
    case gemini
    case bedrock
}

/// A fully rendered non-streaming answer: status, headers (in order) and body text.
struct RenderedResponse: Sendable {
    var status: Int
    var headers: [(String, String)]
    var body: String
}
