import AAMCore

/// OpenAI `chat.completion.chunk` stream -> Anthropic Messages stream.
///
/// Emits `message_start` on the first chunk, a `text` block for content (refusals included),
/// one `tool_use` block per tool call index with its argument fragments as `input_json_delta`,
/// closes the open block on `finish_reason`, and on `[DONE]` sends `message_delta` (stop reason
/// and usage, taken from the usage chunk the server always requests) and `message_stop`.
/// Because OpenAI reports usage only at the end, `message_start` carries zero input tokens and
/// `message_delta` carries the full counts (as Anthropic's newer API also does).
/// Only choice 0 is translated: Anthropic has one.
public struct OpenAIToAnthropicStream: StreamTranslator {
    private enum OpenBlock {
        case text(Int)
        case tool(Int)
        var blockIndex: Int {
            switch self {
            case .text(let i), .tool(let i): i
            }
        }
    }

    private let responseModel: String
    private var started = false
    private var openBlock: OpenBlock?
    private var nextBlockIndex = 0
    /// OpenAI tool call index -> Anthropic content block index.
    private var blockByToolIndex: [Int: Int] = [:]
    private var stopReason: String?
    private var messageDone = false
    public private(set) var usage: TokenUsage?
    public private(set) var sawTerminalEvent = false
    public private(set) var emittedContent = false
    public private(set) var outputBytes = 0
    public private(set) var upstreamError: UpstreamStreamError?

    /// - Parameter responseModel: the `model` reported to the client (its alias).
    public init(responseModel: String) {
        self.responseModel = responseModel
    }

    public mutating func translate(_ event: SSEEvent) throws(TranslationError) -> [UInt8] {
        if event.data == "[DONE]" {
            sawTerminalEvent = true
            return endMessage()
        }
        let chunk = try event.jsonObject(context: "stream chunk")
        if chunk.has("error") {
            let error = UpstreamErrorReader.read(chunk.object)
            upstreamError = UpstreamStreamError(type: error?.type, message: error?.message ?? event.data)
            return StreamErrorEvent.anthropic(
                type: ProtocolMappings.anthropicErrorType(fromOpenAI: error?.type), message: error?.message ?? "upstream error")
        }
        var out = start(id: try chunk.optionalString("id"))
        if let usageObject = try chunk.optionalObject("usage") {
            usage = ProtocolMappings.usage(fromOpenAI: usageObject.object)
        }
        for choice in try chunk.objects("choices") where try choice.optionalInt("index") ?? 0 == 0 {
            if let delta = try choice.optionalObject("delta") {
                // Counting never fails a stream: a member of another type counts nothing.
                for key in ["content", "refusal", "reasoning_content"] { count(((try? delta.optionalString(key)) ?? nil) ?? "") }
                if let text = try delta.optionalString("content"), !text.isEmpty { out += appendText(text) }
                if let refusal = try delta.optionalString("refusal"), !refusal.isEmpty {
                    stopReason = "refusal"
                    out += appendText(refusal)
                }
                for call in try delta.objects("tool_calls") { out += try appendToolCall(call) }
            }
            if let finish = try choice.optionalString("finish_reason") {
                if stopReason == nil { stopReason = ProtocolMappings.stopReason(fromOpenAI: finish) }
                out += closeBlock()
            }
        }
        return out
    }

    public mutating func finish() -> [UInt8] {
        // Never fake a terminator: without [DONE] the server reports truncation instead.
        sawTerminalEvent && !messageDone ? endMessage() : []
    }

    // MARK: Events

    private mutating func start(id: String?) -> [UInt8] {
        guard !started else { return [] }
        started = true
        let message: WireJSON = [
            "id": .string(ProtocolMappings.anthropicID(fromOpenAI: id ?? "aam")), "type": "message", "role": "assistant",
            "model": .string(responseModel), "content": [], "stop_reason": nil, "stop_sequence": nil,
            "usage": ["input_tokens": 0, "output_tokens": 0],
        ]
        return SSEEvent.named("message_start", ["type": "message_start", "message": message]).encoded()
    }

    private mutating func appendText(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        let index: Int
        if case .text(let open) = openBlock {
            index = open
        } else {
            out += closeBlock()
            index = openNewBlock()
            openBlock = .text(index)
            out += Self.event("content_block_start", ["type": "content_block_start", "index": .int(index), "content_block": ["type": "text", "text": ""]])
        }
        emittedContent = true
        out += Self.event("content_block_delta", ["type": "content_block_delta", "index": .int(index), "delta": ["type": "text_delta", "text": .string(text)]])
        return out
    }

    private mutating func appendToolCall(_ call: FieldReader) throws(TranslationError) -> [UInt8] {
        var out: [UInt8] = []
        let toolIndex = try call.optionalInt("index") ?? 0
        let function = try call.optionalObject("function")
        let blockIndex: Int
        if let known = blockByToolIndex[toolIndex] {
            blockIndex = known
        } else {
            out += closeBlock()
            blockIndex = openNewBlock()
            blockByToolIndex[toolIndex] = blockIndex
            openBlock = .tool(blockIndex)
            let block: WireJSON = [
                "type": "tool_use", "id": .string(try call.optionalString("id") ?? "toolu_aam_\(toolIndex)"),
                "name": .string(try function?.optionalString("name") ?? ""), "input": [:],
            ]
            out += Self.event("content_block_start", ["type": "content_block_start", "index": .int(blockIndex), "content_block": block])
            emittedContent = true
        }
        if let arguments = try function?.optionalString("arguments"), !arguments.isEmpty {
            count(arguments)
            let delta: WireJSON = ["type": "input_json_delta", "partial_json": .string(arguments)]
            out += Self.event("content_block_delta", ["type": "content_block_delta", "index": .int(blockIndex), "delta": delta])
        }
        return out
    }

    private mutating func count(_ output: String) {
        outputBytes = StreamOutputMeter.adding(outputBytes, output.utf8.count)
    }

    private mutating func openNewBlock() -> Int {
        defer { nextBlockIndex += 1 }
        return nextBlockIndex
    }

    private mutating func closeBlock() -> [UInt8] {
        guard let block = openBlock else { return [] }
        openBlock = nil
        return Self.event("content_block_stop", ["type": "content_block_stop", "index": .int(block.blockIndex)])
    }

    private mutating func endMessage() -> [UInt8] {
        messageDone = true
        var out = start(id: nil)
        out += closeBlock()
        emittedContent = true
        let delta: WireJSON = [
            "type": "message_delta",
            "delta": ["stop_reason": .string(stopReason ?? "end_turn"), "stop_sequence": nil],
            "usage": ProtocolMappings.anthropicUsage(usage ?? .zero),
        ]
        out += Self.event("message_delta", delta)
        out += Self.event("message_stop", ["type": "message_stop"])
        return out
    }

    private static func event(_ name: String, _ data: WireJSON) -> [UInt8] {
        SSEEvent.named(name, data).encoded()
    }
}
