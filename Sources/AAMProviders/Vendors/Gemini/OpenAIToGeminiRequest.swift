/// OpenAI chat request -> Gemini `GenerateContentRequest`.
///
/// `system`/`developer` messages -> `systemInstruction`; `user` -> role `user`; `assistant` ->
/// role `model` (text and `functionCall` parts); `tool` messages -> `functionResponse` parts in a
/// user turn (the function's name found by `tool_call_id`); `max_completion_tokens`/`max_tokens`,
/// `temperature`, `top_p`, `stop`, `seed`, penalties -> `generationConfig`; `response_format` ->
/// `responseMimeType` (+ `responseJsonSchema`); `tools` -> `functionDeclarations`;
/// `tool_choice` -> `toolConfig`; `reasoning_effort` -> `thinkingConfig.thinkingBudget`
/// (`GeminiRequestBuilder.thinkingBudgets`). `n > 1` and non-function tools are refused; `stream`,
/// `stream_options`, `user`, `parallel_tool_calls`, `logit_bias` have no Gemini form (the URL
/// decides streaming).
enum OpenAIToGeminiRequest {
    static func convert(_ body: [UInt8]) throws(TranslationError) -> [UInt8] {
        let request = try FieldReader.root(body, context: "request body")
        if let n = try request.optionalInt("n"), n != 1 {
            throw .field("n", "must be 1: the gateway relays a single Gemini candidate")
        }
        var builder = GeminiRequestBuilder()
        for message in try request.objects("messages", required: true) {
            let role = try message.string("role")
            switch role {
            case "system", "developer":
                builder.addSystem(try texts(message, key: "content").joined(separator: "\n\n"))
            case "user":
                builder.append(role: "user", try userParts(message))
            case "assistant":
                var parts: [WireJSON] = []
                let text = try texts(message, key: "content", optional: true).joined()
                if !text.isEmpty { parts.append(["text": .string(text)]) }
                for call in try message.objects("tool_calls") {
                    let type = try call.optionalString("type") ?? "function"
                    guard type == "function" else { throw .field(call.path("type"), "unsupported tool call type '\(type)'") }
                    let function = try call.object("function")
                    parts.append(builder.functionCall(
                        id: try call.string("id"), name: try function.string("name"), arguments: try function.toolArgumentsObject()))
                }
                builder.append(role: "model", parts)
            case "tool":
                let output = try texts(message, key: "content", optional: true).joined()
                builder.append(role: "user", [try builder.functionResponse(
                    id: try message.string("tool_call_id"), result: GeminiRequestBuilder.toolOutput(output), path: message.path("tool_call_id"))])
            default:
                throw .field(message.path("role"), "role '\(role)' cannot be sent to a Gemini upstream")
            }
        }

        var limit = try request.optionalInt("max_completion_tokens")
        if limit == nil { limit = try request.optionalInt("max_tokens") }
        if let limit {
            guard limit > 0 else { throw .field(request.has("max_completion_tokens") ? "max_completion_tokens" : "max_tokens", "must be a positive integer") }
            builder.generationConfig["maxOutputTokens"] = .int(limit)
        }
        if let value = try request.optionalNumber("temperature") { builder.generationConfig["temperature"] = value }
        if let value = try request.optionalNumber("top_p") { builder.generationConfig["topP"] = value }
        if let stops = try stopSequences(request) { builder.generationConfig["stopSequences"] = stops }
        if let value = try request.optionalNumber("presence_penalty") { builder.generationConfig["presencePenalty"] = value }
        if let value = try request.optionalNumber("frequency_penalty") { builder.generationConfig["frequencyPenalty"] = value }
        if let seed = try request.optionalInt("seed") { builder.generationConfig["seed"] = .int(seed) }
        if let effort = try request.optionalString("reasoning_effort") {
            guard let budget = GeminiRequestBuilder.thinkingBudgets[effort] else {
                throw .field("reasoning_effort", "expected 'none', 'minimal', 'low', 'medium' or 'high', got '\(effort)'")
            }
            builder.generationConfig["thinkingConfig"] = ["thinkingBudget": .int(budget)]
        }
        try responseFormat(request, into: &builder)

        for tool in try request.objects("tools") {
            let type = try tool.optionalString("type") ?? "function"
            guard type == "function" else { throw .field(tool.path("type"), "tool type '\(type)' cannot be sent to a Gemini upstream") }
            let function = try tool.object("function")
            builder.tools.append(GeminiRequestBuilder.declaration(
                name: try function.string("name"), description: try function.optionalString("description"),
                schema: try function.optionalObject("parameters")?.object))
        }
        if let choice = request.value("tool_choice") {
            if let mode = choice.stringValue {
                switch mode {
                case "none": builder.toolConfig = GeminiRequestBuilder.toolConfig(mode: "NONE")
                case "auto": builder.toolConfig = GeminiRequestBuilder.toolConfig(mode: "AUTO")
                case "required": builder.toolConfig = GeminiRequestBuilder.toolConfig(mode: "ANY")
                default: throw .field("tool_choice", "expected 'none', 'auto', 'required' or a function choice, got '\(mode)'")
                }
            } else {
                let object = try request.object("tool_choice")
                let name = try object.object("function").string("name")
                builder.toolConfig = GeminiRequestBuilder.toolConfig(mode: "ANY", only: name)
            }
        }
        return try builder.body()
    }

    /// A user message's parts: text and base64 images.
    private static func userParts(_ message: FieldReader) throws(TranslationError) -> [WireJSON] {
        guard let content = message.value("content") else { throw message.missing("content") }
        if let text = content.stringValue { return [["text": .string(text)]] }
        guard content.arrayValue != nil else {
            throw message.mismatch("content", expected: "a string or an array of content parts", got: content)
        }
        var parts: [WireJSON] = []
        for part in try message.objects("content") {
            let type = try part.string("type")
            switch type {
            case "text": parts.append(["text": .string(try part.string("text"))])
            case "image_url":
                let image = try part.object("image_url")
                parts.append(try GeminiRequestBuilder.inlineImage(dataURL: try image.string("url"), path: image.path("url")))
            default: throw .field(part.path("type"), "content part type '\(type)' cannot be sent to a Gemini upstream")
            }
        }
        return parts
    }

    /// `content` as text pieces: a string, or the `text` of each part.
    private static func texts(_ message: FieldReader, key: String, optional: Bool = false) throws(TranslationError) -> [String] {
        guard let content = message.value(key) else {
            if optional { return [] }
            throw message.missing(key)
        }
        if let text = content.stringValue { return [text] }
        guard content.arrayValue != nil else { throw message.mismatch(key, expected: "a string or an array of text parts", got: content) }
        var texts: [String] = []
        for part in try message.objects(key) {
            if let text = try part.optionalString("text") { texts.append(text) }
        }
        return texts
    }

    private static func stopSequences(_ request: FieldReader) throws(TranslationError) -> WireJSON? {
        guard let stop = request.value("stop") else { return nil }
        if case .string = stop { return [stop] }
        guard let list = stop.arrayValue else { throw request.mismatch("stop", expected: "a string or an array of strings", got: stop) }
        for (i, element) in list.enumerated() where element.stringValue == nil {
            throw .field("stop[\(i)]", "expected a string, got \(element.typeName)")
        }
        return list.isEmpty ? nil : stop
    }

    private static func responseFormat(_ request: FieldReader, into builder: inout GeminiRequestBuilder) throws(TranslationError) {
        guard let format = try request.optionalObject("response_format") else { return }
        let type = try format.string("type")
        switch type {
        case "text":
            return
        case "json_object":
            builder.generationConfig["responseMimeType"] = "application/json"
        case "json_schema":
            builder.generationConfig["responseMimeType"] = "application/json"
            if let schema = try format.object("json_schema").optionalObject("schema") {
                builder.generationConfig["responseJsonSchema"] = .object(schema.object)
            }
        default:
            throw .field(format.path("type"), "expected 'text', 'json_object' or 'json_schema', got '\(type)'")
        }
    }
}
