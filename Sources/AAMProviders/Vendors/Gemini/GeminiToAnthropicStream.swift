import AAMCore

/// Gemini `streamGenerateContent?alt=sse` -> Anthropic Messages stream.
///
/// Emits `message_start` on the first chunk (zero usage, as `OpenAIToAnthropicStream` does),
/// a `text` block for text parts, one `tool_use` block per function call with its arguments as
/// one `input_json_delta`, and on the chunk with `finishReason`: the open block's stop,
/// `message_delta` (stop reason, usage) and `message_stop`. A stream that closes before a
/// finish reason is truncated. A prompt block, or a safety cut before any content, is an in-band
/// error event; a safety cut after content is `stop_reason: refusal`.
public struct GeminiToAnthropicStream: StreamTranslator {
    private enum OpenBlock {
        case text(Int)
        case tool(Int)
        var index: Int {
            switch self {
            case .text(let i), .tool(let i): i
            }
        }
    }

    private let responseModel: String
    private var started = false
    private var openBlock: OpenBlock?
    private var nextBlockIndex = 0
    private var toolCalls = 0
    public private(set) var usage: TokenUsage?
    public private(set) var sawTerminalEvent = false
    public private(set) var emittedContent = false
    public private(set) var outputBytes = 0
    public private(set) var upstreamError: UpstreamStreamError?

    public init(responseModel: String) {
        self.responseModel = responseModel
    }

    public mutating func translate(_ event: SSEEvent) throws(TranslationError) -> [UInt8] {
        guard !sawTerminalEvent, upstreamError == nil else { return [] }
        let chunk = try GeminiResponse(event.jsonObject(context: "stream chunk"))
        if let error = chunk.error {
            upstreamError = UpstreamStreamError(type: error.status, message: error.message)
            return StreamErrorEvent.anthropic(type: GeminiResponse.errorType(error.status), message: error.message)
        }
        if let reported = chunk.usage { usage = reported }
        if chunk.blockReason != nil { return blocked(chunk) }
        outputBytes = StreamOutputMeter.adding(outputBytes, chunk.thoughtBytes)
        var out = start(id: chunk.responseID)
        for text in chunk.texts where !text.isEmpty {
            out += appendText(text)
        }
        for call in chunk.functionCalls {
            out += closeBlock()
            let index = openNewBlock()
            openBlock = .tool(index)
            let block: WireJSON = [
                "type": "tool_use", "id": .string(GeminiResponse.callID(call, responseID: chunk.responseID, index: toolCalls)),
                "name": .string(call.name), "input": [:],
            ]
            toolCalls += 1
            emittedContent = true
            out += Self.event("content_block_start", ["type": "content_block_start", "index": .int(index), "content_block": block])
            let arguments = call.arguments.serializedString()
            outputBytes = StreamOutputMeter.adding(outputBytes, arguments.utf8.count)
            let delta: WireJSON = ["type": "input_json_delta", "partial_json": .string(arguments)]
            out += Self.event("content_block_delta", ["type": "content_block_delta", "index": .int(index), "delta": delta])
        }
        if let reason = chunk.finishReason {
            if !emittedContent, GeminiResponse.blockingFinishReasons.contains(reason) { return blocked(chunk) }
            sawTerminalEvent = true
            out += endMessage(stopReason: GeminiResponse.anthropicStopReason(reason, calledFunctions: toolCalls > 0))
        }
        return out
    }

    public mutating func finish() -> [UInt8] {
        // The terminator was sent with the finish reason; without one the stream is truncated.
        []
    }

    private mutating func blocked(_ chunk: GeminiResponse) -> [UInt8] {
        let message = GeminiResponse.blockMessage(promptBlockReason: chunk.blockReason, finishReason: chunk.finishReason)
        upstreamError = UpstreamStreamError(type: ErrorCode.contentFiltered.rawValue, message: message)
        emittedContent = true
        return StreamErrorEvent.anthropic(type: .invalidRequestError, message: message)
    }

    // MARK: Events

    private mutating func start(id: String?) -> [UInt8] {
        guard !started else { return [] }
        started = true
        let message: WireJSON = [
            "id": .string("msg_" + (id ?? "aam")), "type": "message", "role": "assistant",
            "model": .string(responseModel), "content": [], "stop_reason": nil, "stop_sequence": nil,
            "usage": ["input_tokens": 0, "output_tokens": 0],
        ]
        return Self.event("message_start", ["type": "message_start", "message": message])
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
        outputBytes = StreamOutputMeter.adding(outputBytes, text.utf8.count)
        out += Self.event("content_block_delta", ["type": "content_block_delta", "index": .int(index), "delta": ["type": "text_delta", "text": .string(text)]])
        return out
    }

    private mutating func openNewBlock() -> Int {
        defer { nextBlockIndex += 1 }
        return nextBlockIndex
    }

    private mutating func closeBlock() -> [UInt8] {
        guard let block = openBlock else { return [] }
        openBlock = nil
        return Self.event("content_block_stop", ["type": "content_block_stop", "index": .int(block.index)])
    }

    private mutating func endMessage(stopReason: String) -> [UInt8] {
        var out = closeBlock()
        emittedContent = true
        let delta: WireJSON = [
            "type": "message_delta",
            "delta": ["stop_reason": .string(stopReason), "stop_sequence": nil],
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
