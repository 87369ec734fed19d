import Foundation

/// Reads a Gemini request body the way the API does: proto JSON, so an unknown member is a
/// 400 ("Unknown name"), `contents` must be there with roles `user`/`model` and non-empty
/// parts, a function response must name its function, and a batch embedding's `model` must be
/// the one in the URL. camelCase and snake_case member names are both accepted (proto JSON).
enum GeminiRequestCheck {
    static let requestFields: Set<String> = [
        "contents", "tools", "toolConfig", "tool_config", "safetySettings", "safety_settings", "systemInstruction",
        "system_instruction", "generationConfig", "generation_config", "cachedContent", "cached_content",
    ]

    private static func unparsable() -> FakeVendorError {
        .badRequest(message: "Invalid JSON payload received. Unexpected token.")
    }

    private static func object(_ body: [UInt8]) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
    }

    private static func texts(_ parts: [[String: Any]]) -> String {
        parts.compactMap { $0["text"] as? String }.joined()
    }

    /// A `generateContent` body -> the fake's chat summary, or the API's 400.
    static func chat(_ body: [UInt8], model: String, stream: Bool) -> Checked<ChatRequestSummary> {
        guard let request = object(body) else { return .refused(unparsable()) }
        for key in request.keys.sorted() where !requestFields.contains(key) {
            return .refused(.badRequest(message: "Invalid JSON payload received. Unknown name \"\(key)\": Cannot find field."))
        }
        guard let contents = request["contents"] as? [[String: Any]], !contents.isEmpty else {
            return .refused(.badRequest(message: "* GenerateContentRequest.contents: contents is not specified\n"))
        }
        var promptBytes = 0
        for (i, content) in contents.enumerated() {
            let role = content["role"] as? String ?? "user"
            guard role == "user" || role == "model" else { return .refused(.badRequest(message: "Please use a valid role: user, model.")) }
            guard let parts = content["parts"] as? [[String: Any]], !parts.isEmpty else {
                return .refused(.badRequest(message: "* GenerateContentRequest.contents[\(i)].parts: contents.parts must not be empty.\n"))
            }
            for (j, part) in parts.enumerated() {
                if let response = part["functionResponse"] as? [String: Any], (response["name"] as? String ?? "").isEmpty {
                    return .refused(.badRequest(message: "* GenerateContentRequest.contents[\(i)].parts[\(j)].function_response.name: Name cannot be empty.\n"))
                }
            }
            promptBytes += texts(parts).utf8.count
        }
        if let system = request["systemInstruction"] as? [String: Any], let parts = system["parts"] as? [[String: Any]] {
            promptBytes += texts(parts).utf8.count
        }
        let last = contents[contents.count - 1]
        let lastParts = last["parts"] as? [[String: Any]] ?? []
        let lastUser = contents.last { ($0["role"] as? String ?? "user") == "user" }
        let tools = request["tools"] as? [[String: Any]] ?? []
        let declarations = tools.compactMap { $0["functionDeclarations"] as? [[String: Any]] }.flatMap { $0 }
        let config = request["generationConfig"] as? [String: Any]
        return .accepted(ChatRequestSummary(
            model: model, stream: stream, includeUsage: false,
            firstToolName: declarations.first.map { $0["name"] as? String ?? "get_weather" },
            lastUserText: texts(lastUser?["parts"] as? [[String: Any]] ?? []),
            endsWithUserTurn: (last["role"] as? String ?? "user") == "user" && !lastParts.contains { $0["functionResponse"] != nil },
            promptBytes: promptBytes, maxTokens: config?["maxOutputTokens"] as? Int, anthropicProblem: nil))
    }

    /// An `embedContent` (`batch` false) or `batchEmbedContents` body -> its texts, or the API's 400.
    static func embeddings(_ body: [UInt8], model: String, batch: Bool) -> Checked<EmbeddingsRequestSummary> {
        guard let request = object(body) else { return .refused(unparsable()) }
        let items: [[String: Any]]
        if batch {
            guard let requests = request["requests"] as? [[String: Any]], !requests.isEmpty else {
                return .refused(.badRequest(message: "* BatchEmbedContentsRequest.requests: requests is not specified\n"))
            }
            for item in requests where item["model"] as? String != "models/" + model {
                return .refused(.badRequest(message: "Model in request `\(item["model"] as? String ?? "")` does not match the model in the URL `models/\(model)`."))
            }
            items = requests
        } else {
            items = [request]
        }
        var inputs: [String] = []
        var dimensions: Int?
        for item in items {
            guard let content = item["content"] as? [String: Any], let parts = content["parts"] as? [[String: Any]], !parts.isEmpty else {
                return .refused(.badRequest(message: "* EmbedContentRequest.content: content is not specified\n"))
            }
            inputs.append(texts(parts))
            dimensions = item["outputDimensionality"] as? Int ?? dimensions
        }
        return .accepted(EmbeddingsRequestSummary(model: model, inputs: inputs, dimensions: dimensions, base64: false))
    }
}

/// A request body the fake accepted (read into `T`), or the vendor's refusal of it.
enum Checked<T> {
    case accepted(T)
    case refused(FakeVendorError)
}
