import AAMProviders

/// Finds every text a model sees (request) or says (response) in a chat body, in either
/// inbound protocol, and lets the caller replace it. Locations name where the text sits
/// (`messages[2].content`, `messages[0].content[1].text`, `choices[0].message.tool_calls[0].function.arguments`).
enum GuardrailTexts {
    /// `(text, location) -> replacement`, or nil to keep the text.
    typealias Visit = (String, String) -> String?

    static func request(_ root: inout WireJSON, wire: WireProtocol, _ visit: Visit) {
        if wire == .openAIResponses { return responsesRequest(&root, visit) }
        if wire == .anthropicMessages {
            root.update("system") { contents(&$0, at: "system", visit) }
        }
        root.update("messages") { messages in
            messages.updateEach { i, message in
                let at = "messages[\(i)]"
                message.update("content") { contents(&$0, at: "\(at).content", visit) }
                if wire == .openAIChat { toolCalls(&message, at: at, visit) }
            }
        }
    }

    /// `POST /v1/embeddings`: `input` as a string or an array of strings (token arrays carry no text).
    static func embeddingsRequest(_ root: inout WireJSON, _ visit: Visit) {
        root.update("input") { input in
            if let text = input.stringValue {
                if let replaced = visit(text, "input") { input = .string(replaced) }
                return
            }
            input.updateEach { index, element in
                if let text = element.stringValue, let replaced = visit(text, "input[\(index)]") { element = .string(replaced) }
            }
        }
    }

    static func response(_ root: inout WireJSON, wire: WireProtocol, _ visit: Visit) {
        switch wire {
        case .openAIResponses:
            responsesAnswer(&root, visit)
        case .anthropicMessages:
            root.update("content") { contents(&$0, at: "content", visit) }
        case .openAIChat:
            root.update("choices") { choices in
                choices.updateEach { i, choice in
                    choice.update("message") { message in
                        let at = "choices[\(i)].message"
                        message.update("content") { contents(&$0, at: "\(at).content", visit) }
                        toolCalls(&message, at: at, visit)
                    }
                }
            }
        }
    }

    /// OpenAI `tool_calls[k].function.arguments` and the legacy `function_call.arguments`.
    private static func toolCalls(_ message: inout WireJSON, at: String, _ visit: Visit) {
        message.update("tool_calls") { calls in
            calls.updateEach { k, call in
                call.update("function") { function in
                    function.update("arguments") { string(&$0, at: "\(at).tool_calls[\(k)].function.arguments", visit) }
                }
            }
        }
        message.update("function_call") { function in
            function.update("arguments") { string(&$0, at: "\(at).function_call.arguments", visit) }
        }
    }

    /// A content value: a string, or an array of parts/blocks (text, tool_use input,
    /// tool_result content).
    static func contents(_ value: inout WireJSON, at: String, _ visit: Visit) {
        if case .string = value { return string(&value, at: at, visit) }
        value.updateEach { j, part in
            let partAt = "\(at)[\(j)]"
            part.update("text") { string(&$0, at: "\(partAt).text", visit) }
            switch part["type"]?.stringValue {
            case "tool_use"?: part.update("input") { json(&$0, at: "\(partAt).input", visit) }
            case "tool_result"?: part.update("content") { contents(&$0, at: "\(partAt).content", visit) }
            default: break
            }
        }
    }

    static func string(_ value: inout WireJSON, at: String, _ visit: Visit) {
        guard let text = value.stringValue, let replacement = visit(text, at) else { return }
        value = .string(replacement)
    }

    /// A JSON value (tool input) is inspected as its serialized text, so names next to values
    /// (`"password": "…"`) count. Placeholders are `[A-Z0-9_]`, so a redaction inside a string
    /// keeps the JSON valid; should one span JSON syntax, the redacted text is sent as a string.
    private static func json(_ value: inout WireJSON, at: String, _ visit: Visit) {
        guard let replacement = visit(value.serializedString(), at) else { return }
        value = (try? WireJSON.parse(replacement, context: at)) ?? .string(replacement)
    }
}

extension WireJSON {
    /// Runs `body` on the member `key` of an object, in place; nothing for other values.
    mutating func update(_ key: String, _ body: (inout WireJSON) -> Void) {
        guard case .object(var object) = self, var member = object[key] else { return }
        self = .null
        body(&member)
        object[key] = member
        self = .object(object)
    }

    /// Runs `body` on each element of an array, in place; nothing for other values.
    mutating func updateEach(_ body: (Int, inout WireJSON) -> Void) {
        guard case .array(var items) = self else { return }
        self = .null
        for index in items.indices { body(index, &items[index]) }
        self = .array(items)
    }
}
