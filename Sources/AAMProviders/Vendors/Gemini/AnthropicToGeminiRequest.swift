/// Anthropic Messages request -> Gemini `GenerateContentRequest`.
///
/// `system` -> `systemInstruction`; `user` turns -> role `user` (text, base64 images,
/// `tool_result` -> `functionResponse` named by the `tool_use` it answers); `assistant` turns ->
/// role `model` (text, `tool_use` -> `functionCall`; thinking blocks dropped); `max_tokens`,
/// `temperature`, `top_p`, `top_k`, `stop_sequences`, `thinking.budget_tokens` (when enabled) ->
/// `generationConfig`; custom tools ->
/// `functionDeclarations`; `tool_choice` -> `toolConfig`. Server tools are refused;
/// `metadata` and `stream` have no Gemini form.
enum AnthropicToGeminiRequest {
    static func convert(_ body: [UInt8]) throws(TranslationError) -> [UInt8] {
        let request = try FieldReader.root(body, context: "request body")
        var builder = GeminiRequestBuilder()
        if let system = request.value("system") {
            if let text = system.stringValue {
                builder.addSystem(text)
            } else {
                guard system.arrayValue != nil else { throw request.mismatch("system", expected: "a string or an array of text blocks", got: system) }
                for block in try request.objects("system") { builder.addSystem(try block.string("text")) }
            }
        }
        let turns = try request.objects("messages", required: true)
        guard !turns.isEmpty else { throw .field("messages", "must contain at least one message") }
        for turn in turns {
            let role = try turn.string("role")
            guard role == "user" || role == "assistant" else { throw .field(turn.path("role"), "expected 'user' or 'assistant', got '\(role)'") }
            guard let content = turn.value("content") else { throw turn.missing("content") }
            if let text = content.stringValue {
                builder.append(role: role == "user" ? "user" : "model", [["text": .string(text)]])
                continue
            }
            guard content.arrayValue != nil else { throw turn.mismatch("content", expected: "a string or an array of content blocks", got: content) }
            var parts: [WireJSON] = []
            for block in try turn.objects("content") {
                let type = try block.string("type")
                switch (role, type) {
                case (_, "text"):
                    parts.append(["text": .string(try block.string("text"))])
                case ("user", "image"):
                    let source = try block.object("source")
                    guard try source.string("type") == "base64" else {
                        throw .field(source.path("type"), "only base64 images can be sent to a Gemini upstream")
                    }
                    parts.append(["inlineData": ["mimeType": .string(try source.string("media_type")), "data": .string(try source.string("data"))]])
                case ("user", "tool_result"):
                    parts.append(try builder.functionResponse(
                        id: try block.string("tool_use_id"), result: try toolResult(block), path: block.path("tool_use_id")))
                case ("assistant", "tool_use"):
                    let input = block.value("input") ?? .object(WireJSONObject())
                    guard input.objectValue != nil else { throw block.mismatch("input", expected: "an object", got: input) }
                    parts.append(builder.functionCall(id: try block.string("id"), name: try block.string("name"), arguments: input))
                case ("assistant", "thinking"), ("assistant", "redacted_thinking"):
                    continue  // another vendor's reasoning has no Gemini request form
                default:
                    throw .field(block.path("type"), "content block type '\(type)' cannot be sent to a Gemini upstream")
                }
            }
            builder.append(role: role == "user" ? "user" : "model", parts)
        }

        if let maxTokens = try request.optionalInt("max_tokens") {
            guard maxTokens > 0 else { throw .field("max_tokens", "must be a positive integer") }
            builder.generationConfig["maxOutputTokens"] = .int(maxTokens)
        }
        if let value = try request.optionalNumber("temperature") { builder.generationConfig["temperature"] = value }
        if let value = try request.optionalNumber("top_p") { builder.generationConfig["topP"] = value }
        if let value = try request.optionalNumber("top_k") { builder.generationConfig["topK"] = value }
        if let stops = try request.optionalArray("stop_sequences"), !stops.isEmpty {
            for (i, stop) in stops.enumerated() where stop.stringValue == nil {
                throw .field("stop_sequences[\(i)]", "expected a string, got \(stop.typeName)")
            }
            builder.generationConfig["stopSequences"] = .array(stops)
        }
        if let thinking = try request.optionalObject("thinking"), try thinking.string("type") == "enabled" {
            builder.generationConfig["thinkingConfig"] = ["thinkingBudget": .int(try thinking.optionalInt("budget_tokens") ?? 1024)]
        }
        for tool in try request.objects("tools") {
            if let type = try tool.optionalString("type"), type != "custom" {
                throw .field(tool.path("type"), "server tool '\(type)' cannot be sent to a Gemini upstream")
            }
            builder.tools.append(GeminiRequestBuilder.declaration(
                name: try tool.string("name"), description: try tool.optionalString("description"),
                schema: try tool.object("input_schema").object))
        }
        if let choice = try request.optionalObject("tool_choice") {
            let type = try choice.string("type")
            switch type {
            case "auto": builder.toolConfig = GeminiRequestBuilder.toolConfig(mode: "AUTO")
            case "any": builder.toolConfig = GeminiRequestBuilder.toolConfig(mode: "ANY")
            case "none": builder.toolConfig = GeminiRequestBuilder.toolConfig(mode: "NONE")
            case "tool": builder.toolConfig = GeminiRequestBuilder.toolConfig(mode: "ANY", only: try choice.string("name"))
            default: throw .field(choice.path("type"), "expected 'auto', 'any', 'tool' or 'none', got '\(type)'")
            }
        }
        return try builder.body()
    }

    /// A `tool_result`'s content as the function's output: its text (JSON objects kept as
    /// objects), `is_error` as `{"error": …}`.
    private static func toolResult(_ block: FieldReader) throws(TranslationError) -> WireJSON {
        var text = ""
        if let content = block.value("content") {
            if let string = content.stringValue {
                text = string
            } else {
                guard content.arrayValue != nil else { throw block.mismatch("content", expected: "a string or an array of content blocks", got: content) }
                for part in try block.objects("content") where try part.string("type") == "text" { text += try part.string("text") }
            }
        }
        let output = GeminiRequestBuilder.toolOutput(text)
        return try block.optionalBool("is_error") == true ? ["error": output] : output
    }
}
