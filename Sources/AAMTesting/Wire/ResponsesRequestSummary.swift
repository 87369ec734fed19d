import Foundation

/// What the fake needs to know about a Responses API request: the chat facts its replies are
/// made from (`ChatRequestSummary`), and the stored conversation it continues.
struct ResponsesRequestSummary: Sendable {
    var chat: ChatRequestSummary
    var previousResponseID: String?
    /// `store` (OpenAI's default is true): whether a later request may continue this one.
    var store: Bool

    /// Parses a Responses request body leniently (as `ChatRequestSummary` does).
    static func parse(_ body: [UInt8]) throws -> ResponsesRequestSummary {
        let request = try JSONDecoder().decode(ResponsesRequest.self, from: Data(body))
        let items: [ResponsesRequest.Item]
        switch request.input {
        case .text(let text)?: items = [ResponsesRequest.Item(type: "message", role: "user", content: nil, output: nil, text: text)]
        case .items(let list)?: items = list
        case nil: items = []
        }
        let lastUser = items.last { $0.role == "user" }
        let promptBytes = (request.instructions?.utf8.count ?? 0) + items.reduce(0) { $0 + $1.promptText.utf8.count }
        return ResponsesRequestSummary(
            chat: ChatRequestSummary(
                model: request.model, stream: request.stream ?? false, includeUsage: false,
                firstToolName: request.tools?.first { $0.type == "function" }.map { $0.name ?? "get_weather" },
                lastUserText: lastUser?.promptText ?? "", endsWithUserTurn: items.last?.role == "user",
                promptBytes: promptBytes, maxTokens: request.max_output_tokens, anthropicProblem: nil),
            previousResponseID: request.previous_response_id, store: request.store ?? true)
    }
}

// Member names are snake_case on purpose: they mirror the API's JSON one to one.
private struct ResponsesRequest: Decodable {
    struct Item: Decodable {
        var type: String?
        var role: String?
        var content: FlexibleText?
        var output: FlexibleText?
        /// Set for the item a plain-string `input` stands for.
        var text: String? = nil

        var promptText: String { text ?? content?.text ?? output?.text ?? "" }

        enum CodingKeys: String, CodingKey { case type, role, content, output }
    }
    struct Tool: Decodable {
        var type: String?
        var name: String?
    }
    enum Input: Decodable {
        case text(String)
        case items([Item])

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                self = .text(text)
            } else {
                self = .items(try container.decode([Item].self))
            }
        }
    }
    var model: String?
    var input: Input?
    var instructions: String?
    var stream: Bool?
    var tools: [Tool]?
    var max_output_tokens: Int?
    var previous_response_id: String?
    var store: Bool?
}
