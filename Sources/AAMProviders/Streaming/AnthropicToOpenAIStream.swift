import AAMCore
import Foundation

/// Anthropic upstream stream -> OpenAI `chat.completion.chunk` stream.
///
/// Emits the role chunk first (on `message_start`), a chunk per `text_delta`, a tool-call chunk
/// (id, name, empty arguments) per `tool_use` block start and one per `input_json_delta` with
/// the same `index`, the finish-reason chunk (on `message_delta`), then on `message_stop` the
/// usage chunk (`choices: []`, only if the client asked) and `data: [DONE]`. Pings, block stops
/// and thinking deltas have no OpenAI form and produce nothing.
public struct AnthropicToOpenAIStream: StreamTranslator {
    private var writer: OpenAIChunkWriter
    /// Anthropic content block index -> OpenAI tool call index.
    private var toolIndexByBlock: [Int: Int] = [:]
    public private(set) var usage: TokenUsage?
    public private(set) var sawTerminalEvent = false
    public var emittedContent: Bool { writer.emittedContent }
    public private(set) var outputBytes = 0
    public private(set) var upstreamError: UpstreamStreamError?

    /// - Parameters:
    ///   - responseModel: the `model` reported to the client (its alias).
    ///   - clientRequestedUsage: the client's `stream_options.include_usage`.
    ///   - created: the `created` timestamp of every chunk; defaults to now.
    public init(responseModel: String, clientRequestedUsage: Bool, created: Int = Int(Date().timeIntervalSince1970)) {
        writer = OpenAIChunkWriter(responseModel: responseModel, clientRequestedUsage: clientRequestedUsage, created: created)
    }

    public mutating func translate(_ event: SSEEvent) throws(TranslationError) -> [UInt8] {
        let payload = try event.jsonObject(context: "stream event \(event.event ?? "")")
        let type = try payload.string("type")
        switch type {
        case "message_start":
            let message = try payload.object("message")
            if let upstreamID = try message.optionalString("id") { writer.id = ProtocolMappings.openAIID(fromAnthropic: upstreamID) }
            if let usageObject = try message.optionalObject("usage") {
                usage = ProtocolMappings.usage(fromAnthropic: usageObject.object)
            }
            return preamble()
        case "content_block_start":
            let index = try payload.optionalInt("index") ?? 0
            let block = try payload.object("content_block")
            switch try block.string("type") {
            case "text":
                let text = try block.optionalString("text") ?? ""
                count(text)
                return text.isEmpty ? [] : contentChunk(["content": .string(text)])
            case "tool_use":
                let toolIndex = toolIndexByBlock.count
                toolIndexByBlock[index] = toolIndex
                let call: WireJSON = [
                    "index": .int(toolIndex), "id": .string(try block.string("id")), "type": "function",
                    "function": ["name": .string(try block.string("name")), "arguments": ""],
                ]
                return contentChunk(["tool_calls": [call]])
            default:
                return []
            }
        case "content_block_delta":
            let index = try payload.optionalInt("index") ?? 0
            let delta = try payload.object("delta")
            switch try delta.string("type") {
            case "text_delta":
                let text = try delta.string("text")
                count(text)
                return contentChunk(["content": .string(text)])
            case "input_json_delta":
                let partial = try delta.optionalString("partial_json") ?? ""
                count(partial)
                guard !partial.isEmpty, let toolIndex = toolIndexByBlock[index] else { return [] }
                return contentChunk(["tool_calls": [["index": .int(toolIndex), "function": ["arguments": .string(partial)]]]])
            case "thinking_delta":
                count(((try? delta.optionalString("thinking")) ?? nil) ?? "")  // billed, though OpenAI has no form for it
                return []
            default:
                return []  // signature, citations
            }
        case "message_delta":
            if let usageObject = try payload.optionalObject("usage") {
                usage = AnthropicUsageAccumulator.merge(usage, delta: usageObject.object)
            }
            guard let stopReason = try payload.optionalObject("delta")?.optionalString("stop_reason") else { return [] }
            return contentChunk([:], finishReason: .string(ProtocolMappings.finishReason(fromAnthropic: stopReason)))
        case "message_stop":
            sawTerminalEvent = true
            return trailer()
        case "error":
            let error = UpstreamErrorReader.read(payload.object)
            upstreamError = UpstreamStreamError(type: error?.type, message: error?.message ?? event.data)
            return StreamErrorEvent.openAI(
                message: error?.message ?? "upstream error",
                // The vendor's own error type is passed through as the code, as it came.
                type: ProtocolMappings.openAIErrorType(fromAnthropic: error?.type), code: error?.type.map(ErrorCode.init(rawValue:)))
        default:
            return []  // ping, content_block_stop, future event types
        }
    }

    public mutating func finish() -> [UInt8] {
        // Never fake a terminator: without message_stop the server reports truncation instead.
        sawTerminalEvent && !writer.doneSent ? trailer() : []
    }

    private mutating func count(_ output: String) {
        outputBytes = StreamOutputMeter.adding(outputBytes, output.utf8.count)
    }

    // MARK: Chunks (the OpenAI side every translator to OpenAI shares)

    private mutating func preamble() -> [UInt8] { writer.preamble() }

    private mutating func contentChunk(_ delta: WireJSONObject, finishReason: WireJSON = nil) -> [UInt8] {
        writer.content(delta, finishReason: finishReason)
    }

    private mutating func trailer() -> [UInt8] { writer.trailer(usage: usage) }
}
