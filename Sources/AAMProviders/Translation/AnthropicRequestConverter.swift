/// Anthropic Messages request -> OpenAI chat request. See ``RequestTranslator/anthropicToOpenAI(_:upstreamModel:)``.
enum AnthropicRequestConverter {
    static func convert(_ request: FieldReader, upstreamModel: String) throws(TranslationError) -> WireJSON {
        var messages: [WireJSON] = []
        if let system = try systemText(request) { messages.append(["role": "system", "content": .string(system)]) }
        let turns = try request.objects("messages", required: true)
        guard !turns.isEmpty else { throw .field("messages", "must contain at least one message") }
        for turn in turns {
            let role = try turn.string("role")
            switch role {
            case "user": messages.append(contentsOf: try userMessages(turn))
            case "assistant": messages.append(try assistantMessage(turn))
            default: throw .field(turn.path("role"), "expected 'user' or 'assistant', got '\(role)'")
            }
        }

        var out: WireJSONObject = ["model": .string(upstreamModel), "messages": .array(messages)]
        if let maxTokens = try request.optionalInt("max_tokens") {
            guard maxTokens > 0 else { throw .field("max_tokens", "must be a positive integer") }
            out["max_completion_tokens"] = .int(maxTokens)
        }
        if let stops = try request.optionalArray("stop_sequences"), !stops.isEmpty {
            for (i, stop) in stops.enumerated() where stop.stringValue == nil {
                throw .field("stop_sequences[\(i)]", "expected a string, got \(stop.typeName)")
            }
            out["stop"] = .array(stops)
        }
        if let temperature = try request.optionalNumber("temperature") { out["temperature"] = temperature }
        if let topP = try request.optionalNumber("top_p") { out["top_p"] = topP }
        if let stream = try request.optionalBool("stream") {
            out["stream"] = .bool(stream)
            // The gateway meters every stream; OpenAI only reports usage when asked.
            if stream { out["stream_options"] = ["include_usage": true] }
        }
        let tools = try convertTools(request)
        if !tools.isEmpty {
            out["tools"] = .array(tools)
            if let choice = try request.optionalObject("tool_choice") {
                let (mode, parallel) = try convertToolChoice(choice)
                out["tool_choice"] = mode
                if let parallel { out["parallel_tool_calls"] = .bool(parallel) }
            }
        }
        if let user = try request.optionalObject("metadata")?.optionalString("user_id") { out["user"] = .string(user) }
        return .object(out)
    }

    /// `system` as a string or text blocks, joined into one system message.
    private static func systemText(_ request: FieldReader) throws(TranslationError) -> String? {
        guard let system = request.value("system") else { return nil }
        if let text = system.stringValue { return text }
        guard system.arrayValue != nil else {
            throw request.mismatch("system", expected: "a string or an array of text blocks", got: system)
        }
        var texts: [String] = []
        for block in try request.objects("system") {
            let type = try block.string("type")
            guard type == "text" else { throw .field(block.path("type"), "expected 'text', got '\(type)'") }
            texts.append(try block.string("text"))
        }
        return texts.joined(separator: "\n\n")
    }

    /// The content of a turn as blocks; a string becomes one text block.
    private static func blocks(_ turn: FieldReader) throws(TranslationError) -> [FieldReader]? {
        guard let content = turn.value("content") else { throw turn.missing("content") }
        if content.stringValue != nil { return nil }
        guard content.arrayValue != nil else {
            throw turn.mismatch("content", expected: "a string or an array of content blocks", got: content)
        }
        return try turn.objects("content")
    }

    /// A user turn -> `tool` messages for its tool results, then one user message for the rest.
    private static func userMessages(_ turn: FieldReader) throws(TranslationError) -> [WireJSON] {
        guard let blocks = try blocks(turn) else {
            return [["role": "user", "content": .string(try turn.string("content"))]]
        }
        var toolMessages: [WireJSON] = []
        var parts: [WireJSON] = []
        for block in blocks {
            let type = try block.string("type")
            switch type {
            case "text":
                parts.append(["type": "text", "text": .string(try block.string("text"))])
            case "image":
                parts.append(try imagePart(block))
            case "tool_result":
                toolMessages.append([
                    "role": "tool",
                    "tool_call_id": .string(try block.string("tool_use_id")),
                    "content": try toolResultContent(block),
                ])
            default:
                throw .field(block.path("type"), "content block type '\(type)' cannot be sent to an OpenAI upstream")
            }
        }
        guard !parts.isEmpty else { return toolMessages }
        let content: WireJSON
        if parts.count == 1, let text = parts[0]["text"], parts[0]["type"] == "text" {
            content = text
        } else {
            content = .array(parts)
        }
        return toolMessages + [["role": "user", "content": content]]
    }

    private static func imagePart(_ block: FieldReader) throws(TranslationError) -> WireJSON {
        let source = try block.object("source")
        let type = try source.string("type")
        let url: String
        switch type {
        case "base64": url = "data:\(try source.string("media_type"));base64,\(try source.string("data"))"
        case "url": url = try source.string("url")
        default: throw .field(source.path("type"), "image source type '\(type)' cannot be sent to an OpenAI upstream")
        }
        return ["type": "image_url", "image_url": ["url": .string(url)]]
    }

    /// OpenAI tool messages carry text only: text blocks are kept, images are dropped.
    private static func toolResultContent(_ block: FieldReader) throws(TranslationError) -> WireJSON {
        guard let content = block.value("content") else { return "" }
        if case .string = content { return content }
        guard content.arrayValue != nil else {
            throw block.mismatch("content", expected: "a string or an array of content blocks", got: content)
        }
        var texts: [WireJSON] = []
        for part in try block.objects("content") where try part.string("type") == "text" {
            texts.append(["type": "text", "text": .string(try part.string("text"))])
        }
        if texts.count == 1, let text = texts[0]["text"] { return text }
        return .array(texts)
    }

    private static func assistantMessage(_ turn: FieldReader) throws(TranslationError) -> WireJSON {
        guard let blocks = try blocks(turn) else {
            return ["role": "assistant", "content": .string(try turn.string("content"))]
        }
        var text = ""
        var toolCalls: [WireJSON] = []
        for block in blocks {
            let type = try block.string("type")
            switch type {
            case "text":
                text += try block.string("text")
            case "tool_use":
                let input = block.value("input") ?? .object(WireJSONObject())
                toolCalls.append([
                    "id": .string(try block.string("id")),
                    "type": "function",
                    "function": ["name": .string(try block.string("name")), "arguments": .string(input.serializedString())],
                ])
            case "thinking", "redacted_thinking":
                continue  // vendor-specific reasoning has no OpenAI request form
            default:
                throw .field(block.path("type"), "content block type '\(type)' cannot be sent to an OpenAI upstream")
            }
        }
        var message: WireJSONObject = ["role": "assistant"]
        message["content"] = toolCalls.isEmpty || !text.isEmpty ? .string(text) : .null
        if !toolCalls.isEmpty { message["tool_calls"] = .array(toolCalls) }
        return .object(message)
    }

    private static func convertTools(_ request: FieldReader) throws(TranslationError) -> [WireJSON] {
        var tools: [WireJSON] = []
        for tool in try request.objects("tools") {
            if let type = try tool.optionalString("type"), type != "custom" {
                throw .field(tool.path("type"), "server tool '\(type)' cannot be sent to an OpenAI upstream")
            }
            var function: WireJSONObject = ["name": .string(try tool.string("name"))]
            if let description = try tool.optionalString("description") { function["description"] = .string(description) }
            function["parameters"] = .object(try tool.object("input_schema").object)
            tools.append(["type": "function", "function": .object(function)])
        }
        return tools
    }

    private static func convertToolChoice(_ choice: FieldReader) throws(TranslationError) -> (WireJSON, Bool?) {
        let parallel: Bool? = try choice.optionalBool("disable_parallel_tool_use").map { !$0 }
        let type = try choice.string("type")
        switch type {
        case "auto": return ("auto", parallel)
        case "any": return ("required", parallel)
        case "none": return ("none", nil)
        case "tool":
            return (["type": "function", "function": ["name": .string(try choice.string("name"))]], parallel)
        default:
            throw .field(choice.path("type"), "expected 'auto', 'any', 'tool' or 'none', got '\(type)'")
        }
    }
}
