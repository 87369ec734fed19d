import AAMCore

/// Writes the client side of every stream translated into OpenAI chat completions, the same
/// bytes whatever the vendor: the role chunk first (once), a chunk per content delta, and at
/// the end the usage chunk (`choices: []`, only if the client asked) and `data: [DONE]`.
/// With `include_usage` on, every chunk carries `"usage": null` until the last, as OpenAI does.
struct OpenAIChunkWriter: Sendable {
    let responseModel: String
    let clientRequestedUsage: Bool
    let created: Int
    /// The chunks' `id` (the upstream's, mapped, once it names one).
    var id = "chatcmpl-aam"
    /// A content chunk went out (or the translator counts what it sent as content).
    var emittedContent = false
    private(set) var doneSent = false
    private var roleSent = false

    init(responseModel: String, clientRequestedUsage: Bool, created: Int) {
        self.responseModel = responseModel
        self.clientRequestedUsage = clientRequestedUsage
        self.created = created
    }

    /// The role chunk, the first time only.
    mutating func preamble() -> [UInt8] {
        guard !roleSent else { return [] }
        roleSent = true
        let choice: WireJSON = ["index": 0, "delta": ["role": "assistant", "content": ""], "logprobs": nil, "finish_reason": nil]
        return chunk(choices: [choice], usage: nil)
    }

    /// One delta (text, tool calls, or empty with the finish reason), after the role chunk.
    mutating func content(_ delta: WireJSONObject, finishReason: WireJSON = nil) -> [UInt8] {
        var out = preamble()
        emittedContent = true
        let choice: WireJSON = ["index": 0, "delta": .object(delta), "logprobs": nil, "finish_reason": finishReason]
        out += chunk(choices: [choice], usage: nil)
        return out
    }

    /// The end: the usage chunk if the client asked, then `[DONE]`.
    mutating func trailer(usage: TokenUsage?) -> [UInt8] {
        doneSent = true
        var out = preamble()
        if clientRequestedUsage { out += chunk(choices: [], usage: ProtocolMappings.openAIUsage(usage ?? .zero)) }
        out += SSEEvent.openAIDone.encoded()
        return out
    }

    private func chunk(choices: WireJSON, usage usageValue: WireJSON?) -> [UInt8] {
        var object: WireJSONObject = [
            "id": .string(id), "object": "chat.completion.chunk", "created": .int(created),
            "model": .string(responseModel), "choices": choices,
        ]
        if clientRequestedUsage { object["usage"] = usageValue ?? .null }
        return SSEEvent.data(.object(object)).encoded()
    }
}
