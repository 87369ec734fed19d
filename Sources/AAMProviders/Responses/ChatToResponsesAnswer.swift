import AAMCore

/// A chat completion (already in OpenAI chat shape, whatever the upstream spoke) as a
/// Responses `response` object: the first choice's text becomes a `message` item, each tool
/// call a `function_call` item, `finish_reason` the status.
public enum ChatToResponsesAnswer {
    public static func translate(_ chat: [UInt8], as response: ResponseObject) throws(TranslationError) -> [UInt8] {
        guard case .object(let completion) = try WireJSON.parse(chat, context: "chat completion") else {
            throw TranslationError(message: "chat completion: expected an object")
        }
        let choice = completion["choices"]?.arrayValue?.first?.objectValue
        let message = choice?["message"]?.objectValue ?? [:]
        var output: [WireJSON] = []
        if let text = message["content"]?.stringValue, !text.isEmpty {
            output.append(ResponseObject.messageItem(id: response.itemID("msg", output.count), text: text))
        } else if let refusal = message["refusal"]?.stringValue, !refusal.isEmpty {
            output.append(ResponseObject.messageItem(id: response.itemID("msg", output.count), text: refusal, refusal: true))
        }
        for call in message["tool_calls"]?.arrayValue ?? [] {
            let function = call["function"]?.objectValue ?? [:]
            output.append(ResponseObject.functionCallItem(
                id: response.itemID("fc", output.count), callID: call["id"]?.stringValue ?? "",
                name: function["name"]?.stringValue ?? "", arguments: function["arguments"]?.stringValue ?? ""))
        }
        let usage = completion["usage"]?.objectValue.map(ProtocolMappings.usage(fromOpenAI:))
        let (status, reason) = ResponseObject.status(finishReason: choice?["finish_reason"]?.stringValue)
        return response.json(status: status, output: output, usage: usage, incompleteReason: reason).serialized()
    }
}
