import AAMCore

/// OpenAI `chat.completion` -> Anthropic `message`.
enum OpenAIResponseConverter {
    static func convert(_ response: FieldReader, responseModel: String) throws(TranslationError) -> (WireJSON, TokenUsage) {
        if response.has("error") {
            let message = UpstreamErrorReader.read(response.object)?.message ?? "unknown error"
            throw TranslationError(message: "response body: upstream returned an error: \(message)")
        }
        let id = try response.string("id")
        let choices = try response.objects("choices", required: true)
        guard let choice = choices.first else { throw .field("choices", "must contain at least one choice") }
        let message = try choice.object("message")

        var content: [WireJSON] = []
        var refused = false
        if let text = try textContent(message), !text.isEmpty {
            content.append(["type": "text", "text": .string(text)])
        }
        if let refusal = try message.optionalString("refusal") {
            content.append(["type": "text", "text": .string(refusal)])
            refused = true
        }
        for call in try message.objects("tool_calls") {
            let function = try call.object("function")
            content.append([
                "type": "tool_use",
                "id": .string(try call.string("id")),
                "name": .string(try function.string("name")),
                "input": try function.toolArgumentsObject(),
            ])
        }

        var stopReason: WireJSON = .null
        if refused {
            stopReason = "refusal"
        } else if let finish = try choice.optionalString("finish_reason") {
            stopReason = .string(ProtocolMappings.stopReason(fromOpenAI: finish))
        }
        let usage = try response.optionalObject("usage").map { ProtocolMappings.usage(fromOpenAI: $0.object) } ?? .zero

        let out: WireJSON = [
            "id": .string(ProtocolMappings.anthropicID(fromOpenAI: id)),
            "type": "message",
            "role": "assistant",
            "model": .string(responseModel),
            "content": .array(content),
            "stop_reason": stopReason,
            "stop_sequence": nil,
            "usage": ProtocolMappings.anthropicUsage(usage),
        ]
        return (out, usage)
    }

    /// `message.content` as a string (some compatible servers send text parts).
    private static func textContent(_ message: FieldReader) throws(TranslationError) -> String? {
        guard let content = message.value("content") else { return nil }
        if let text = content.stringValue { return text }
        guard content.arrayValue != nil else {
            throw message.mismatch("content", expected: "a string, an array of text parts or null", got: content)
        }
        var text = ""
        for part in try message.objects("content") { text += try part.optionalString("text") ?? "" }
        return text
    }

}
