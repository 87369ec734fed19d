import Foundation

/// What the fake needs to know about a chat request, read from either vendor's request body.
///
/// Decoding is deliberately lenient (unknown members ignored, content in any shape) because the
/// fake must accept whatever a correct gateway sends; it only rejects what the real vendor
/// would reject outright (malformed JSON, Anthropic's required members).
struct ChatRequestSummary: Sendable {
    var model: String?
    var stream: Bool
    /// OpenAI `stream_options.include_usage`.
    var includeUsage: Bool
    /// Name of the first declared tool, when the request declares any.
    var firstToolName: String?
    /// Text of the last message whose role is `user` (empty when there is none).
    var lastUserText: String
    /// True when the conversation ends on a fresh user turn (not a tool result), the only case
    /// in which the fake calls a tool; otherwise an agent loop would call it forever.
    var endsWithUserTurn: Bool
    /// UTF-8 size of all prompt text (system + messages), the basis of the prompt token count.
    var promptBytes: Int
    var maxTokens: Int?
    /// Anthropic validation failures the real API reports as `invalid_request_error`.
    var anthropicProblem: String?

    /// Parses an OpenAI (or Azure OpenAI) Chat Completions request body.
    static func openAI(_ body: [UInt8]) throws -> ChatRequestSummary {
        let request = try JSONDecoder().decode(OpenAIChatRequest.self, from: Data(body))
        let messages = request.messages ?? []
        let lastUser = messages.last { $0.role == "user" }
        return ChatRequestSummary(
            model: request.model,
            stream: request.stream ?? false,
            includeUsage: request.stream_options?.include_usage ?? false,
            firstToolName: request.tools?.first.map { $0.function?.name ?? "get_weather" },
            lastUserText: lastUser?.content?.text ?? "",
            endsWithUserTurn: messages.last?.role == "user",
            promptBytes: messages.reduce(0) { $0 + ($1.content?.text.utf8.count ?? 0) },
            maxTokens: request.max_completion_tokens ?? request.max_tokens,
            anthropicProblem: nil
        )
    }

    /// Parses an Anthropic Messages request body.
    static func anthropic(_ body: [UInt8]) throws -> ChatRequestSummary {
        let request = try JSONDecoder().decode(AnthropicMessagesRequest.self, from: Data(body))
        let messages = request.messages ?? []
        let lastUser = messages.last { $0.role == "user" }
        let last = messages.last
        var problem: String?
        // Same checks, same order and same wording as the real API.
        if request.model == nil {
            problem = "model: Field required"
        } else if request.messages == nil {
            problem = "messages: Field required"
        } else if request.max_tokens == nil {
            problem = "max_tokens: Field required"
        }
        let systemBytes = request.system?.text.utf8.count ?? 0
        return ChatRequestSummary(
            model: request.model,
            stream: request.stream ?? false,
            includeUsage: false,
            firstToolName: request.tools?.first.map { $0.name ?? "get_weather" },
            lastUserText: lastUser?.content?.text ?? "",
            endsWithUserTurn: last?.role == "user" && !(last?.content?.containsToolResult ?? false),
            promptBytes: systemBytes + messages.reduce(0) { $0 + ($1.content?.text.utf8.count ?? 0) },
            maxTokens: request.max_tokens,
            anthropicProblem: problem
        )
    }
}

// Member names are snake_case on purpose: these mirror the vendors' JSON one to one.

private struct OpenAIChatRequest: Decodable {
    struct Message: Decodable {
        var role: String?
        var content: FlexibleText?
    }
    struct StreamOptions: Decodable { var include_usage: Bool? }
    struct Tool: Decodable {
        struct Function: Decodable { var name: String? }
        var function: Function?
    }
    var model: String?
    var messages: [Message]?
    var stream: Bool?
    var stream_options: StreamOptions?
    var tools: [Tool]?
    var max_tokens: Int?
    var max_completion_tokens: Int?
}

private struct AnthropicMessagesRequest: Decodable {
    struct Message: Decodable {
        var role: String?
        var content: FlexibleText?
    }
    struct Tool: Decodable { var name: String? }
    var model: String?
    var messages: [Message]?
    var system: FlexibleText?
    var stream: Bool?
    var tools: [Tool]?
    var max_tokens: Int?
}
