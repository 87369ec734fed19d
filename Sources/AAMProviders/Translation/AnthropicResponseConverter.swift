import AAMCore

/// Anthropic `message` -> OpenAI `chat.completion`.
enum AnthropicResponseConverter {
    static func convert(_ response: FieldReader, responseModel: String, created: Int) throws(TranslationError) -> (WireJSON, TokenUsage) {
        if try response.optionalString("type") == "error" {
            let message = UpstreamErrorReader.read(response.object)?.message ?? "unknown error"
            throw TranslationError(message: "response body: upstream returned an error: \(message)")
        }
        let id = try response.string("id")
        var text = ""
        var sawText = false
        var toolCalls: [WireJSON] = []
        for block in try response.objects("content", required: true) {
            switch try block.string("type") {
            case "text":
                text += try block.string("text")
                sawText = true
            case "tool_use":
                let input = block.value("input") ?? .object(WireJSONObject())
                toolCalls.append([
                    "id": .string(try block.string("id")),
                    "type": "function",
                    "function": ["name": .string(try block.string("name")), "arguments": .string(input.serializedString())],
                ])
            default:
                continue  // thinking, server tool blocks: no chat.completion form
            }
        }
        var message: WireJSONObject = ["role": "assistant"]
        message["content"] = sawText || toolCalls.isEmpty ? .string(text) : .null
        if !toolCalls.isEmpty { message["tool_calls"] = .array(toolCalls) }
        message["refusal"] = .null

        let stopReason = try response.optionalString("stop_reason")
        let finishReason: WireJSON = stopReason.map { .string(ProtocolMappings.finishReason(fromAnthropic: $0)) } ?? .null
        let usage = try response.optionalObject("usage").map { ProtocolMappings.usage(fromAnthropic: $0.object) } ?? .zero

        let completion: WireJSON = [
            "id": .string(ProtocolMappings.openAIID(fromAnthropic: id)),
            "object": "chat.completion",
            "created": .int(created),
            "model": .string(responseModel),
            "choices": [["index": 0, "message": .object(message), "logprobs": nil, "finish_reason": finishReason]],
            "usage": ProtocolMappings.openAIUsage(usage),
        ]
        return (completion, usage)
    }
}
