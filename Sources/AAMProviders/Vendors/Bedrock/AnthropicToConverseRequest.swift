/// Anthropic Messages request -> Bedrock `Converse` request (OpenAI chat requests come here
/// through `RequestTranslator.openAIToAnthropic`, so both inbound APIs share one mapping).
///
/// `system` -> `system` text blocks; turns keep their role, blocks become Converse blocks
/// (`text`, base64 `image` -> `image.source.bytes`, `tool_use` -> `toolUse`, `tool_result` ->
/// `toolResult` with `status: error` for `is_error`; thinking blocks dropped); `max_tokens`,
/// `temperature`, `top_p`, `stop_sequences` -> `inferenceConfig`; `top_k` ->
/// `additionalModelRequestFields.top_k` (the model's own field); custom tools ->
/// `toolConfig.tools[].toolSpec` with `inputSchema.json`; `tool_choice` auto/any/tool ->
/// `toolConfig.toolChoice`; `tool_choice: none` leaves the tools out (refused, naming the field,
/// once the history holds tool calls, which Converse requires tools for); server tools and other block types; `metadata` and `stream` have no Converse form
/// (the URL says whether to stream).
enum AnthropicToConverseRequest {
    static func convert(_ body: [UInt8]) throws(TranslationError) -> [UInt8] {
        let request = try FieldReader.root(body, context: "request body")
        var out = WireJSONObject()
        var system: [WireJSON] = []
        if let value = request.value("system") {
            if let text = value.stringValue {
                system.append(["text": .string(text)])
            } else {
                guard value.arrayValue != nil else { throw request.mismatch("system", expected: "a string or an array of text blocks", got: value) }
                for block in try request.objects("system") { system.append(["text": .string(try block.string("text"))]) }
            }
        }
        let turns = try request.objects("messages", required: true)
        guard !turns.isEmpty else { throw .field("messages", "must contain at least one message") }
        var messages: [WireJSON] = []
        for turn in turns {
            let role = try turn.string("role")
            guard role == "user" || role == "assistant" else { throw .field(turn.path("role"), "expected 'user' or 'assistant', got '\(role)'") }
            guard let content = turn.value("content") else { throw turn.missing("content") }
            var blocks: [WireJSON] = []
            if let text = content.stringValue {
                blocks.append(["text": .string(text)])
            } else {
                guard content.arrayValue != nil else { throw turn.mismatch("content", expected: "a string or an array of content blocks", got: content) }
                for block in try turn.objects("content") {
                    if let converted = try Self.block(block, role: role) { blocks.append(converted) }
                }
            }
            // Converse refuses an empty turn (one that held only dropped reasoning says nothing)
            // and two turns of one role in a row: those are joined.
            guard !blocks.isEmpty else { continue }
            if let last = messages.last, last["role"]?.stringValue == role, let earlier = last["content"]?.arrayValue {
                messages[messages.count - 1] = ["role": .string(role), "content": .array(earlier + blocks)]
            } else {
                messages.append(["role": .string(role), "content": .array(blocks)])
            }
        }
        if !system.isEmpty { out["system"] = .array(system) }
        out["messages"] = .array(messages)

        var inference = WireJSONObject()
        if let maxTokens = try request.optionalInt("max_tokens") {
            guard maxTokens > 0 else { throw .field("max_tokens", "must be a positive integer") }
            inference["maxTokens"] = .int(maxTokens)
        }
        if let value = try request.optionalNumber("temperature") { inference["temperature"] = value }
        if let value = try request.optionalNumber("top_p") { inference["topP"] = value }
        if let stops = try request.optionalArray("stop_sequences"), !stops.isEmpty {
            for (i, stop) in stops.enumerated() where stop.stringValue == nil {
                throw .field("stop_sequences[\(i)]", "expected a string, got \(stop.typeName)")
            }
            inference["stopSequences"] = .array(stops)
        }
        if !inference.isEmpty { out["inferenceConfig"] = .object(inference) }
        if let topK = try request.optionalNumber("top_k") { out["additionalModelRequestFields"] = ["top_k": topK] }

        var tools: [WireJSON] = []
        for tool in try request.objects("tools") {
            if let type = try tool.optionalString("type"), type != "custom" {
                throw .field(tool.path("type"), "server tool '\(type)' cannot be sent to a Bedrock upstream")
            }
            var spec: WireJSONObject = ["name": .string(try tool.string("name"))]
            if let description = try tool.optionalString("description") { spec["description"] = .string(description) }
            spec["inputSchema"] = ["json": .object(try tool.object("input_schema").object)]
            tools.append(["toolSpec": .object(spec)])
        }
        var toolChoice: WireJSON?
        var noTools = false
        if let choice = try request.optionalObject("tool_choice") {
            let type = try choice.string("type")
            switch type {
            case "auto": toolChoice = ["auto": .object(WireJSONObject())]
            case "any": toolChoice = ["any": .object(WireJSONObject())]
            case "tool": toolChoice = ["tool": ["name": .string(try choice.string("name"))]]
            case "none": noTools = true
            default: throw .field(choice.path("type"), "expected 'auto', 'any', 'tool' or 'none', got '\(type)'")
            }
        }
        if noTools {
            // Converse has no "none": the tools are left out, which it accepts only while no
            // turn holds a tool call or result.
            let history = messages.contains { message in
                message["content"]?.arrayValue?.contains { $0["toolUse"] != nil || $0["toolResult"] != nil } == true
            }
            if history { throw .field("tool_choice", "'none' has no Bedrock Converse form once the conversation holds tool calls") }
        } else if !tools.isEmpty {
            var config: WireJSONObject = ["tools": .array(tools)]
            if let toolChoice { config["toolChoice"] = toolChoice }
            out["toolConfig"] = .object(config)
        } else if toolChoice != nil {
            throw .field("tool_choice", "requires tools")
        }
        return WireJSON.object(out).serialized()
    }

    /// One content block; nil for a block with no Converse form that is safe to drop (reasoning).
    private static func block(_ block: FieldReader, role: String) throws(TranslationError) -> WireJSON? {
        let type = try block.string("type")
        switch (role, type) {
        case (_, "text"):
            return ["text": .string(try block.string("text"))]
        case ("user", "image"):
            let source = try block.object("source")
            guard try source.string("type") == "base64" else {
                throw .field(source.path("type"), "only base64 images can be sent to a Bedrock upstream")
            }
            let mediaType = try source.string("media_type")
            guard mediaType.hasPrefix("image/") else { throw .field(source.path("media_type"), "expected an image media type, got '\(mediaType)'") }
            return ["image": ["format": .string(String(mediaType.dropFirst(6))), "source": ["bytes": .string(try source.string("data"))]]]
        case ("user", "tool_result"):
            var result: WireJSONObject = ["toolUseId": .string(try block.string("tool_use_id"))]
            var content: [WireJSON] = []
            if let value = block.value("content") {
                if let text = value.stringValue {
                    content.append(["text": .string(text)])
                } else {
                    guard value.arrayValue != nil else { throw block.mismatch("content", expected: "a string or an array of content blocks", got: value) }
                    for part in try block.objects("content") {
                        let partType = try part.string("type")
                        guard partType == "text" else { throw .field(part.path("type"), "tool result block type '\(partType)' cannot be sent to a Bedrock upstream") }
                        content.append(["text": .string(try part.string("text"))])
                    }
                }
            }
            if content.isEmpty { content.append(["text": ""]) }
            result["content"] = .array(content)
            if try block.optionalBool("is_error") == true { result["status"] = "error" }
            return ["toolResult": .object(result)]
        case ("assistant", "tool_use"):
            let input = block.value("input") ?? .object(WireJSONObject())
            guard input.objectValue != nil else { throw block.mismatch("input", expected: "an object", got: input) }
            return ["toolUse": ["toolUseId": .string(try block.string("id")), "name": .string(try block.string("name")), "input": input]]
        case ("assistant", "thinking"), ("assistant", "redacted_thinking"):
            return nil  // another vendor's reasoning has no Converse request form
        default:
            throw .field(block.path("type"), "content block type '\(type)' cannot be sent to a Bedrock upstream")
        }
    }
}
