import Foundation

/// Reads a Converse request body the way Bedrock does: an unknown member, a turn with a role
/// other than `user`/`assistant` or with no content, a content block that is not exactly one
/// known kind, or tool blocks without a `toolConfig` are a 400 `ValidationException`.
enum BedrockRequestCheck {
    static let requestFields: Set<String> = [
        "messages", "system", "inferenceConfig", "toolConfig", "guardrailConfig", "additionalModelRequestFields",
        "promptVariables", "additionalModelResponseFieldPaths", "requestMetadata", "performanceConfig",
    ]
    static let blockKinds: Set<String> = ["text", "image", "document", "video", "toolUse", "toolResult", "guardContent", "cachePoint", "reasoningContent"]

    private static func texts(_ blocks: [[String: Any]]) -> String {
        blocks.compactMap { $0["text"] as? String }.joined()
    }

    static func chat(_ body: [UInt8], model: String, stream: Bool) -> Checked<ChatRequestSummary> {
        guard let request = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else {
            return .refused(.badRequest(message: "Malformed input request, please reformat your input and try again."))
        }
        for key in request.keys.sorted() where !requestFields.contains(key) {
            return .refused(.badRequest(message: "Malformed input request: extraneous key [\(key)] is not permitted, please reformat your input and try again."))
        }
        guard let messages = request["messages"] as? [[String: Any]], !messages.isEmpty else {
            return .refused(.badRequest(message: "A conversation must start with a user message. Try again with a conversation that starts with a user message."))
        }
        var promptBytes = 0
        var usesTools = false
        for (i, message) in messages.enumerated() {
            let role = message["role"] as? String ?? ""
            guard role == "user" || role == "assistant" else {
                return .refused(.badRequest(message: "1 validation error detected: Value '\(role)' at 'messages.\(i + 1).member.role' failed to satisfy constraint: Member must satisfy enum value set: [user, assistant]"))
            }
            guard let content = message["content"] as? [[String: Any]], !content.isEmpty else {
                return .refused(.badRequest(message: "The content field in the Message object at messages.\(i).content is empty. Add a ContentBlock object to the content field and try again."))
            }
            for block in content {
                let kinds = block.keys.filter { blockKinds.contains($0) }
                guard kinds.count == 1, block.count == 1 else {
                    return .refused(.badRequest(message: "Malformed input request: messages.\(i).content: a content block must be exactly one of \(blockKinds.sorted().joined(separator: ", "))."))
                }
                if let use = block["toolUse"] as? [String: Any] {
                    usesTools = true
                    guard use["toolUseId"] is String, use["name"] is String, use["input"] is [String: Any] else {
                        return .refused(.badRequest(message: "Malformed input request: toolUse requires toolUseId, name and an input object."))
                    }
                }
                if let result = block["toolResult"] as? [String: Any] {
                    usesTools = true
                    guard result["toolUseId"] is String, let parts = result["content"] as? [[String: Any]] else {
                        return .refused(.badRequest(message: "Malformed input request: toolResult requires toolUseId and content."))
                    }
                    promptBytes += texts(parts).utf8.count
                }
            }
            promptBytes += texts(content).utf8.count
        }
        guard (messages.first?["role"] as? String) == "user" else {
            return .refused(.badRequest(message: "A conversation must start with a user message. Try again with a conversation that starts with a user message."))
        }
        let toolConfig = request["toolConfig"] as? [String: Any]
        if usesTools, toolConfig == nil {
            return .refused(.badRequest(message: "The toolConfig field must be defined when using toolUse and toolResult content blocks."))
        }
        let tools = (toolConfig?["tools"] as? [[String: Any]] ?? []).compactMap { $0["toolSpec"] as? [String: Any] }
        if toolConfig != nil {
            for tool in tools where !((tool["inputSchema"] as? [String: Any])?["json"] is [String: Any]) {
                return .refused(.badRequest(message: "Malformed input request: toolSpec.inputSchema.json must be an object."))
            }
        }
        if let system = request["system"] as? [[String: Any]] { promptBytes += texts(system).utf8.count }
        let last = messages[messages.count - 1]
        let lastContent = last["content"] as? [[String: Any]] ?? []
        let lastUser = messages.last { ($0["role"] as? String) == "user" }
        let inference = request["inferenceConfig"] as? [String: Any]
        return .accepted(ChatRequestSummary(
            model: model, stream: stream, includeUsage: false,
            firstToolName: tools.first.map { $0["name"] as? String ?? "get_weather" },
            lastUserText: texts(lastUser?["content"] as? [[String: Any]] ?? []),
            endsWithUserTurn: (last["role"] as? String) == "user" && !lastContent.contains { $0["toolResult"] != nil },
            promptBytes: promptBytes, maxTokens: inference?["maxTokens"] as? Int, anthropicProblem: nil))
    }
}
