import AAMCore

/// The Responses `input` (a string, or a list of items) as chat messages.
///
/// Items: `message` (roles user, assistant, system, developer; `type` may be omitted, as the
/// SDKs' "easy input message" does), `function_call` (joined onto the assistant message before
/// it, as chat carries tool calls) and `function_call_output` (a `tool` message). Any other
/// item or content type is an error naming it: dropping it would change what the model sees.
enum ResponsesInputItems {
    static func messages(_ input: WireJSON) throws(TranslationError) -> [WireJSON] {
        if let text = input.stringValue { return [["role": "user", "content": .string(text)]] }
        guard let items = input.arrayValue else { throw .field("input", "expected a string or an array of items") }
        var messages: [WireJSONObject] = []
        for (index, item) in items.enumerated() {
            let path = "input[\(index)]"
            guard let object = item.objectValue else { throw .field(path, "expected an object") }
            let type = object["type"]?.stringValue ?? (object["role"] != nil ? "message" : "")
            switch type {
            case "message": messages.append(try message(object, path: path))
            case "function_call":
                guard let callID = object["call_id"]?.stringValue, let name = object["name"]?.stringValue else {
                    throw .field(path, "a function_call needs 'call_id' and 'name'")
                }
                let call: WireJSON = [
                    "id": .string(callID), "type": "function",
                    "function": ["name": .string(name), "arguments": .string(object["arguments"]?.stringValue ?? "")],
                ]
                if let last = messages.last, last["role"]?.stringValue == "assistant", case .array(var calls) = last["tool_calls"] ?? .array([]) {
                    calls.append(call)
                    messages[messages.count - 1]["tool_calls"] = .array(calls)
                } else {
                    messages.append(["role": "assistant", "content": nil, "tool_calls": [call]])
                }
            case "function_call_output":
                guard let callID = object["call_id"]?.stringValue else { throw .field("\(path).call_id", "Missing required parameter") }
                messages.append(["role": "tool", "tool_call_id": .string(callID), "content": .string(try outputText(object["output"], path: "\(path).output"))])
            default:
                throw .field("\(path).type", "input item type '\(type)' is not supported on a translated route")
            }
        }
        return messages.map { .object($0) }
    }

    /// A message item. Developer instructions become a system message (what every chat upstream
    /// reads); assistant text parts join into one string.
    private static func message(_ object: WireJSONObject, path: String) throws(TranslationError) -> WireJSONObject {
        let role = object["role"]?.stringValue ?? ""
        guard ["user", "assistant", "system", "developer"].contains(role) else {
            throw .field("\(path).role", "unknown role '\(role)'")
        }
        let chatRole = role == "developer" ? "system" : role
        guard let content = object["content"] else { throw .field("\(path).content", "Missing required parameter") }
        if content.stringValue != nil { return ["role": .string(chatRole), "content": content] }
        guard let parts = content.arrayValue else { throw .field("\(path).content", "expected a string or an array of content parts") }
        var chatParts: [WireJSON] = []
        for (index, part) in parts.enumerated() {
            let partPath = "\(path).content[\(index)]"
            let type = part["type"]?.stringValue ?? ""
            switch type {
            case "input_text", "output_text":
                guard let text = part["text"]?.stringValue else { throw .field("\(partPath).text", "expected a string") }
                chatParts.append(["type": "text", "text": .string(text)])
            case "refusal" where role == "assistant":
                chatParts.append(["type": "text", "text": .string(part["refusal"]?.stringValue ?? "")])
            case "input_image" where role == "user":
                guard let url = part["image_url"]?.stringValue else {
                    throw .field("\(partPath).image_url", "only images given by URL are supported on a translated route")
                }
                var image: WireJSONObject = ["url": .string(url)]
                if let detail = part["detail"]?.stringValue { image["detail"] = .string(detail) }
                chatParts.append(["type": "image_url", "image_url": .object(image)])
            default:
                throw .field("\(partPath).type", "content type '\(type)' is not supported on a translated route")
            }
        }
        if chatRole != "user" {
            // Assistant and system messages carry plain text on every chat upstream.
            let text = chatParts.compactMap { $0["text"]?.stringValue }.joined()
            return ["role": .string(chatRole), "content": .string(text)]
        }
        return ["role": .string(chatRole), "content": .array(chatParts)]
    }

    /// A function call's output: a string, or a list of `input_text` parts.
    private static func outputText(_ value: WireJSON?, path: String) throws(TranslationError) -> String {
        if let text = value?.stringValue { return text }
        guard let parts = value?.arrayValue else { throw .field(path, "expected a string or an array of input_text parts") }
        var text = ""
        for (index, part) in parts.enumerated() {
            guard part["type"]?.stringValue == "input_text", let piece = part["text"]?.stringValue else {
                throw .field("\(path)[\(index)].type", "content type '\(part["type"]?.stringValue ?? "")' is not supported in a function_call_output on a translated route")
            }
            text += piece
        }
        return text
    }
}
