import AAMCore
import Foundation

/// Gemini `streamGenerateContent?alt=sse` -> OpenAI `chat.completion.chunk` stream.
///
/// Gemini sends a whole `GenerateContentResponse` per event, each with the new parts, and no
/// end sentinel: the chunk with `finishReason` (which carries the final `usageMetadata`) is the
/// end. Emits the role chunk first, a chunk per text part, per function call a tool-call chunk
/// (id, name, empty arguments) then one with its arguments (the shape `AnthropicToOpenAIStream`
/// emits), the finish-reason chunk, then the usage chunk (`choices: []`, only if the client
/// asked) and `data: [DONE]`. A stream that closes before a finish reason is truncated (the
/// server says so in-band). A prompt block, or a safety cut before any content, is an in-band
/// `content_filter` error; a safety cut after content is `finish_reason: content_filter`.
public struct GeminiToOpenAIStream: StreamTranslator {
    private var writer: OpenAIChunkWriter
    /// The first chunk naming a `responseId` names the stream.
    private var named = false
    private var toolCalls = 0
    public private(set) var usage: TokenUsage?
    public private(set) var sawTerminalEvent = false
    public var emittedContent: Bool { writer.emittedContent }
    public private(set) var outputBytes = 0
    public private(set) var upstreamError: UpstreamStreamError?

    public init(responseModel: String, clientRequestedUsage: Bool, created: Int = Int(Date().timeIntervalSince1970)) {
        writer = OpenAIChunkWriter(responseModel: responseModel, clientRequestedUsage: clientRequestedUsage, created: created)
    }

    public mutating func translate(_ event: SSEEvent) throws(TranslationError) -> [UInt8] {
        guard !sawTerminalEvent, upstreamError == nil else { return [] }
        let chunk = try GeminiResponse(event.jsonObject(context: "stream chunk"))
        if let error = chunk.error {
            upstreamError = UpstreamStreamError(type: error.status, message: error.message)
            return StreamErrorEvent.openAI(
                // The vendor's own status is passed through as the code, as it came.
                message: error.message, type: GeminiResponse.errorType(error.status), code: error.status.map(ErrorCode.init(rawValue:)))
        }
        if !named, let responseID = chunk.responseID {
            writer.id = "chatcmpl-" + responseID
            named = true
        }
        if let reported = chunk.usage { usage = reported }
        if chunk.blockReason != nil { return blocked(chunk) }
        outputBytes = StreamOutputMeter.adding(outputBytes, chunk.thoughtBytes)
        var out = preamble()
        for text in chunk.texts where !text.isEmpty {
            count(text)
            out += contentChunk(["content": .string(text)])
        }
        for call in chunk.functionCalls {
            let index = toolCalls
            toolCalls += 1
            let arguments = call.arguments.serializedString()
            count(arguments)
            let start: WireJSON = [
                "index": .int(index), "id": .string(GeminiResponse.callID(call, responseID: chunk.responseID, index: index)), "type": "function",
                "function": ["name": .string(call.name), "arguments": ""],
            ]
            out += contentChunk(["tool_calls": [start]])
            out += contentChunk(["tool_calls": [["index": .int(index), "function": ["arguments": .string(arguments)]]]])
        }
        if let reason = chunk.finishReason {
            if !emittedContent, GeminiResponse.blockingFinishReasons.contains(reason) { return blocked(chunk) }
            sawTerminalEvent = true
            out += contentChunk([:], finishReason: .string(GeminiResponse.openAIFinishReason(reason, calledFunctions: toolCalls > 0)))
            out += trailer()
        }
        return out
    }

    public mutating func finish() -> [UInt8] {
        // Never fake a terminator: without a finish reason the server reports truncation.
        sawTerminalEvent && !writer.doneSent ? trailer() : []
    }

    /// Gemini refused the prompt or cut the answer before any content: the client's answer is
    /// the block, as an in-band error (it counts as content, so it is sent, not failed over:
    /// the same model would refuse the same prompt again).
    private mutating func blocked(_ chunk: GeminiResponse) -> [UInt8] {
        let message = GeminiResponse.blockMessage(promptBlockReason: chunk.blockReason, finishReason: chunk.finishReason)
        upstreamError = UpstreamStreamError(type: ErrorCode.contentFiltered.rawValue, message: message)
        writer.emittedContent = true
        return StreamErrorEvent.openAI(message: message, type: .invalidRequestError, code: .contentFiltered)
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
