import AAMCore

/// An OpenAI Responses API request (`POST /v1/responses`) as an OpenAI chat-completions request.
///
/// Why chat: every upstream the gateway reaches (OpenAI, Azure, Anthropic, Gemini, the
/// simulator) already has a chat bridge, so a Responses call reaches all of them through it,
/// and guardrails, token estimates and caps read the chat body they already understand.
///
/// Nothing is dropped silently: an item, content part, tool or field the translation cannot
/// carry is a `TranslationError` naming it (the endpoint answers 400); fields that need
/// server-side state (`previous_response_id`, `conversation`) are refused, not ignored.
public enum ResponsesRequestTranslator {
    /// Fields copied to the chat body as they are.
    static let sameName: Set<String> = [
        "model", "temperature", "top_p", "parallel_tool_calls", "user", "service_tier", "prompt_cache_key",
        "safety_identifier", "top_logprobs", "stream",
    ]
    /// Fields with no effect on a translated call's answer: the gateway does not store
    /// responses (`store`, `metadata` live with a stored response), `include` asks for extra
    /// output a chat answer does not have, `truncation` `disabled` is the chat behaviour.
    static let ignored: Set<String> = ["store", "metadata", "include", "truncation"]
    /// Fields that need the vendor's server-side state.
    public static let stateful: Set<String> = ["previous_response_id", "conversation", "prompt"]

    /// The chat body for a Responses `body` (a JSON object).
    public static func chatBody(_ body: [UInt8]) throws(TranslationError) -> [UInt8] {
        guard case .object(let request) = try WireJSON.parse(body) else {
            throw TranslationError(message: "Request body must be a JSON object.")
        }
        var chat = WireJSONObject()
        var messages: [WireJSON] = []
        for (key, value) in request {
            if value.isNull { continue }
            if stateful.contains(key) {
                throw .field(key, "this route translates the Responses API to a chat-completions upstream and cannot keep server-side state; send the whole conversation in 'input' instead")
            }
            if ignored.contains(key) || key == "instructions" || key == "input" { continue }
            switch key {
            case _ where sameName.contains(key): chat[key] = value
            case "max_output_tokens": chat["max_completion_tokens"] = value
            case "tools": chat["tools"] = try tools(value)
            case "tool_choice": chat["tool_choice"] = try toolChoice(value)
            case "text": try text(value, into: &chat)
            case "reasoning": try reasoning(value, into: &chat)
            case "background":
                guard value.boolValue == false else { throw .field(key, "background responses need server-side state; this route cannot keep it") }
            default: throw TranslationError(message: "Unrecognized request argument supplied: \(key)", param: key)
            }
        }
        if let instructions = request["instructions"], !instructions.isNull {
            guard let text = instructions.stringValue else { throw .field("instructions", "expected a string") }
            messages.append(["role": "system", "content": .string(text)])
        }
        guard let input = request["input"], !input.isNull else { throw .field("input", "Missing required parameter: 'input'.") }
        messages += try ResponsesInputItems.messages(input)
        chat["messages"] = .array(messages)
        if request["stream"]?.boolValue == true {
            // Usage is needed for `response.completed` and for billing, whatever the client asked.
            chat["stream_options"] = ["include_usage": true]
        }
        return WireJSON.object(chat).serialized()
    }

    /// Function tools: `{type, name, description, parameters, strict}` → chat's nested `function`.
    static func tools(_ value: WireJSON) throws(TranslationError) -> WireJSON {
        guard let list = value.arrayValue else { throw .field("tools", "expected an array") }
        var out: [WireJSON] = []
        for (index, tool) in list.enumerated() {
            let path = "tools[\(index)]"
            guard let object = tool.objectValue else { throw .field(path, "expected an object") }
            let type = object["type"]?.stringValue ?? ""
            guard type == "function" else {
                throw .field("\(path).type", "tool type '\(type)' is not supported on a translated route (only 'function')")
            }
            guard let name = object["name"]?.stringValue else { throw .field("\(path).name", "Missing required parameter") }
            var function: WireJSONObject = ["name": .string(name)]
            for key in ["description", "parameters", "strict"] { if let v = object[key], !v.isNull { function[key] = v } }
            out.append(["type": "function", "function": .object(function)])
        }
        return .array(out)
    }

    /// `auto` / `none` / `required`, or `{type: function, name}` → chat's `{type, function: {name}}`.
    static func toolChoice(_ value: WireJSON) throws(TranslationError) -> WireJSON {
        if let mode = value.stringValue {
            guard ["auto", "none", "required"].contains(mode) else { throw .field("tool_choice", "unknown mode '\(mode)'") }
            return value
        }
        guard let object = value.objectValue, object["type"]?.stringValue == "function", let name = object["name"]?.stringValue else {
            throw .field("tool_choice", "only 'auto', 'none', 'required' or {\"type\":\"function\",\"name\":…} are supported on a translated route")
        }
        return ["type": "function", "function": ["name": .string(name)]]
    }

    /// `text.format` → `response_format` (`json_schema` flattens into chat's `json_schema` object);
    /// `text.verbosity` → `verbosity`.
    static func text(_ value: WireJSON, into chat: inout WireJSONObject) throws(TranslationError) {
        guard let object = value.objectValue else { throw .field("text", "expected an object") }
        for (key, member) in object {
            switch key {
            case "verbosity": chat["verbosity"] = member
            case "format":
                guard let format = member.objectValue, let type = format["type"]?.stringValue else {
                    throw .field("text.format", "expected an object with a 'type'")
                }
                switch type {
                case "text": continue
                case "json_object": chat["response_format"] = ["type": "json_object"]
                case "json_schema":
                    var schema = WireJSONObject()
                    for key in ["name", "description", "schema", "strict"] { if let v = format[key], !v.isNull { schema[key] = v } }
                    chat["response_format"] = ["type": "json_schema", "json_schema": .object(schema)]
                default: throw .field("text.format.type", "format type '\(type)' is not supported")
                }
            default: throw .field("text.\(key)", "unsupported parameter")
            }
        }
    }

    /// `reasoning.effort` → `reasoning_effort`; a summary cannot be produced by a chat upstream.
    static func reasoning(_ value: WireJSON, into chat: inout WireJSONObject) throws(TranslationError) {
        guard let object = value.objectValue else { throw .field("reasoning", "expected an object") }
        for (key, member) in object where !member.isNull {
            switch key {
            case "effort": chat["reasoning_effort"] = member
            case "summary", "generate_summary":
                throw .field("reasoning.\(key)", "reasoning summaries are not available on a translated route")
            default: throw .field("reasoning.\(key)", "unsupported parameter")
            }
        }
    }
}
