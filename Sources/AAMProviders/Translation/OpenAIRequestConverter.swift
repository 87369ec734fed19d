/// OpenAI chat request -> Anthropic Messages request. See ``RequestTranslator/openAIToAnthropic(_:upstreamModel:defaultMaxTokens:)``.
enum OpenAIRequestConverter {
    static func convert(_ request: FieldReader, upstreamModel: String, defaultMaxTokens: Int) throws(TranslationError) -> WireJSON {
        if let n = try request.optionalInt("n"), n != 1 {
            throw .field("n", "must be 1: an Anthropic upstream returns a single choice")
        }
        // Plain `if let` rather than `??`: its autoclosure would erase the typed throw.
        var maxTokens = defaultMaxTokens
        if let limit = try request.optionalInt("max_completion_tokens") {
            maxTokens = limit
        } else if let limit = try request.optionalInt("max_tokens") {
            maxTokens = limit
        }
        guard maxTokens > 0 else {
            let key = request.has("max_completion_tokens") ? "max_completion_tokens" : "max_tokens"
            throw .field(key, "must be a positive integer")
        }

        let conversation = try convertMessages(request)
        var system = conversation.system
        if let instruction = try responseFormatInstruction(request) {
            system.append(["type": "text", "text": .string(instruction)])
        }

        var out: WireJSONObject = ["model": .string(upstreamModel), "max_tokens": .int(maxTokens)]
        if system.count == 1, let text = system[0]["text"] {
            out["system"] = text
        } else if !system.isEmpty {
            out["system"] = .array(system)
        }
        out["messages"] = .array(conversation.messages)
        if let stop = try stopSequences(request) { out["stop_sequences"] = stop }
        if let temperature = try request.optionalNumber("temperature") {
            // OpenAI accepts 0...2, Anthropic 0...1: clamp rather than fail a usable request.
            let value = temperature.doubleValue ?? 0
            out["temperature"] = value > 1 ? 1 : (value < 0 ? 0 : temperature)
        }
        if let topP = try request.optionalNumber("top_p") { out["top_p"] = topP }
        if let stream = try request.optionalBool("stream") { out["stream"] = .bool(stream) }
        let tools = try convertTools(request)
        if !tools.isEmpty {
            out["tools"] = .array(tools)
            if let choice = try convertToolChoice(request) { out["tool_choice"] = choice }
        }
        if let user = try request.optionalString("user") { out["metadata"] = ["user_id": .string(user)] }
        return .object(out)
    }

    // MARK: Messages

    private struct Conversation {
        var system: [WireJSON] = []
        var messages: [WireJSON] = []
    }

    private static func convertMessages(_ request: FieldReader) throws(TranslationError) -> Conversation {
        let messages = try request.objects("messages", required: true)
        guard !messages.isEmpty else { throw .field("messages", "must contain at least one message") }
        var result = Conversation()
        // tool_result blocks waiting to be emitted as one user turn.
        var pendingToolResults: [WireJSON] = []

        func flushToolResults() {
            guard !pendingToolResults.isEmpty else { return }
            result.messages.append(["role": "user", "content": .array(pendingToolResults)])
            pendingToolResults = []
        }

        for message in messages {
            let role = try message.string("role")
            switch role {
            case "system", "developer":
                result.system.append(contentsOf: try textBlocks(message, key: "content"))
            case "tool":
                let id = try message.string("tool_call_id")
                var block: WireJSONObject = ["type": "tool_result", "tool_use_id": .string(id)]
                let texts = try textBlocks(message, key: "content")
                if texts.count == 1, let text = texts[0]["text"] {
                    block["content"] = text
                } else {
                    block["content"] = .array(texts)
                }
                pendingToolResults.append(.object(block))
            case "user":
                let content = try userContent(message)
                if pendingToolResults.isEmpty {
                    result.messages.append(["role": "user", "content": content])
                } else {
                    // Same turn as the tool results, after them.
                    switch content {
                    case .string(let text): pendingToolResults.append(["type": "text", "text": .string(text)])
                    case .array(let blocks): pendingToolResults.append(contentsOf: blocks)
                    default: break
                    }
                    flushToolResults()
                }
            case "assistant":
                flushToolResults()
                if let content = try assistantContent(message) {
                    result.messages.append(["role": "assistant", "content": content])
                }
            default:
                throw .field(message.path("role"), "unsupported role '\(role)'")
            }
        }
        flushToolResults()
        return result
    }

    /// Text-only content (system, developer, tool): a string or an array of text parts.
    private static func textBlocks(_ message: FieldReader, key: String) throws(TranslationError) -> [WireJSON] {
        guard let content = message.value(key) else { return [["type": "text", "text": ""]] }
        if let text = content.stringValue { return [["type": "text", "text": .string(text)]] }
        guard content.arrayValue != nil else {
            throw message.mismatch(key, expected: "a string or an array of text parts", got: content)
        }
        var blocks: [WireJSON] = []
        for part in try message.objects(key) {
            let type = try part.string("type")
            guard type == "text" else { throw .field(part.path("type"), "expected 'text', got '\(type)'") }
            blocks.append(["type": "text", "text": .string(try part.string("text"))])
        }
        return blocks
    }

    private static func userContent(_ message: FieldReader) throws(TranslationError) -> WireJSON {
        guard let content = message.value("content") else { throw message.missing("content") }
        if case .string = content { return content }
        guard content.arrayValue != nil else {
            throw message.mismatch("content", expected: "a string or an array of content parts", got: content)
        }
        var blocks: [WireJSON] = []
        for part in try message.objects("content") {
            let type = try part.string("type")
            switch type {
            case "text":
                blocks.append(["type": "text", "text": .string(try part.string("text"))])
            case "image_url":
                blocks.append(try imageBlock(part))
            default:
                throw .field(part.path("type"), "content part type '\(type)' cannot be sent to an Anthropic upstream")
            }
        }
        return .array(blocks)
    }

    /// `image_url` part -> Anthropic `image` block (`data:` URLs become base64 sources).
    private static func imageBlock(_ part: FieldReader) throws(TranslationError) -> WireJSON {
        let url: String
        let urlPath: String
        if let direct = part.value("image_url")?.stringValue {
            url = direct
            urlPath = part.path("image_url")
        } else {
            let image = try part.object("image_url")
            url = try image.string("url")
            urlPath = image.path("url")
        }
        guard url.hasPrefix("data:") else {
            return ["type": "image", "source": ["type": "url", "url": .string(url)]]
        }
        guard let comma = url.firstIndex(of: ","),
            url[..<comma].hasSuffix(";base64")
        else { throw .field(urlPath, "expected a base64 data URL (data:<media type>;base64,<data>)") }
        let mediaType = url[url.index(url.startIndex, offsetBy: 5)..<comma].dropLast(";base64".count)
        return [
            "type": "image",
            "source": [
                "type": "base64", "media_type": .string(String(mediaType)),
                "data": .string(String(url[url.index(after: comma)...])),
            ],
        ]
    }

    /// Assistant turn -> content (string when plain text, blocks with tool calls); nil when empty.
    private static func assistantContent(_ message: FieldReader) throws(TranslationError) -> WireJSON? {
        var blocks: [WireJSON] = []
        var plainText: String?
        if let content = message.value("content") {
            if let text = content.stringValue {
                plainText = text
                if !text.isEmpty { blocks.append(["type": "text", "text": .string(text)]) }
            } else if content.arrayValue != nil {
                for part in try message.objects("content") {
                    let type = try part.string("type")
                    switch type {
                    case "text": blocks.append(["type": "text", "text": .string(try part.string("text"))])
                    case "refusal": blocks.append(["type": "text", "text": .string(try part.string("refusal"))])
                    default: throw .field(part.path("type"), "expected 'text' or 'refusal', got '\(type)'")
                    }
                }
            } else {
                throw message.mismatch("content", expected: "a string, an array of content parts or null", got: content)
            }
        }
        let toolCalls = try message.objects("tool_calls")
        if toolCalls.isEmpty, let plainText, !plainText.isEmpty { return .string(plainText) }
        for call in toolCalls {
            let type = try call.optionalString("type") ?? "function"
            guard type == "function" else { throw .field(call.path("type"), "unsupported tool call type '\(type)'") }
            let function = try call.object("function")
            blocks.append([
                "type": "tool_use",
                "id": .string(try call.string("id")),
                "name": .string(try function.string("name")),
                "input": try function.toolArgumentsObject(),
            ])
        }
        return blocks.isEmpty ? nil : .array(blocks)
    }


    // MARK: Sampling, tools, response format

    private static func stopSequences(_ request: FieldReader) throws(TranslationError) -> WireJSON? {
        guard let stop = request.value("stop") else { return nil }
        if case .string = stop { return [stop] }
        guard let list = stop.arrayValue else {
            throw request.mismatch("stop", expected: "a string or an array of strings", got: stop)
        }
        for (i, element) in list.enumerated() where element.stringValue == nil {
            throw .field("stop[\(i)]", "expected a string, got \(element.typeName)")
        }
        return list.isEmpty ? nil : stop
    }

    private static func convertTools(_ request: FieldReader) throws(TranslationError) -> [WireJSON] {
        var tools: [WireJSON] = []
        for tool in try request.objects("tools") {
            let type = try tool.optionalString("type") ?? "function"
            guard type == "function" else {
                throw .field(tool.path("type"), "tool type '\(type)' cannot be sent to an Anthropic upstream")
            }
            let function = try tool.object("function")
            var out: WireJSONObject = ["name": .string(try function.string("name"))]
            if let description = try function.optionalString("description") { out["description"] = .string(description) }
            if let parameters = try function.optionalObject("parameters") {
                out["input_schema"] = .object(parameters.object)
            } else {
                out["input_schema"] = ["type": "object", "properties": [:]]
            }
            tools.append(.object(out))
        }
        return tools
    }

    private static func convertToolChoice(_ request: FieldReader) throws(TranslationError) -> WireJSON? {
        let parallel = try request.optionalBool("parallel_tool_calls")
        var choice: WireJSONObject
        if let value = request.value("tool_choice") {
            if let mode = value.stringValue {
                switch mode {
                case "none": return ["type": "none"]
                case "auto": choice = ["type": "auto"]
                case "required": choice = ["type": "any"]
                default: throw .field("tool_choice", "expected 'none', 'auto', 'required' or a function choice, got '\(mode)'")
                }
            } else if value.objectValue != nil {
                let object = try request.object("tool_choice")
                let type = try object.string("type")
                guard type == "function" else { throw .field(object.path("type"), "unsupported tool_choice type '\(type)'") }
                choice = ["type": "tool", "name": .string(try object.object("function").string("name"))]
            } else {
                throw request.mismatch("tool_choice", expected: "a string or an object", got: value)
            }
        } else if parallel == false {
            choice = ["type": "auto"]
        } else {
            return nil
        }
        if parallel == false { choice["disable_parallel_tool_use"] = true }
        return .object(choice)
    }

    /// Anthropic has no JSON mode: ask for JSON in the system prompt (best effort, documented).
    private static func responseFormatInstruction(_ request: FieldReader) throws(TranslationError) -> String? {
        guard let format = try request.optionalObject("response_format") else { return nil }
        let type = try format.string("type")
        switch type {
        case "text":
            return nil
        case "json_object":
            return "Respond with a single valid JSON object and nothing else."
        case "json_schema":
            let spec = try format.object("json_schema")
            let name = try spec.optionalString("name")
            let schema = try spec.optionalObject("schema").map { WireJSON.object($0.object).serializedString() } ?? "{}"
            let label = name.map { " \"\($0)\"" } ?? ""
            return "Respond with a single valid JSON object and nothing else. It must conform to the JSON schema\(label): \(schema)"
        default:
            throw .field(format.path("type"), "expected 'text', 'json_object' or 'json_schema', got '\(type)'")
        }
    }
}

extension String {
    func trimmingWhitespace() -> Substring {
        var s = self[...]
        while let first = s.first, first.isWhitespace { s = s.dropFirst() }
        while let last = s.last, last.isWhitespace { s = s.dropLast() }
        return s
    }
}
