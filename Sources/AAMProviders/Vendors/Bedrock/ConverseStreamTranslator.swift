import AAMCore
import Foundation

/// Converse stream events -> the client's events, by way of Anthropic's: each Converse event
/// becomes the Anthropic events it means, which `inner` (Anthropic pass-through for Anthropic
/// clients, `AnthropicToOpenAIStream` for OpenAI clients) turns into exactly the bytes an
/// Anthropic upstream's stream gives.
///
/// messageStart -> message_start; contentBlockStart (toolUse) -> content_block_start tool_use; a
/// contentBlockDelta's text (opening a text block on its first delta) -> text_delta, its
/// toolUse.input fragment -> input_json_delta; contentBlockStop -> content_block_stop;
/// messageStop's stopReason and metadata's usage -> message_delta then message_stop (Converse
/// sends the usage after the stop, so the stop waits for it, or for the end of the stream);
/// reasoning deltas are dropped; an exception -> an `error` event.
struct ConverseStreamTranslator<Inner: StreamTranslator>: StreamTranslator {
    private var inner: Inner
    private let responseModel: String
    private let messageID: String
    private var started = false
    /// Bedrock block index -> the client's block index (dropped blocks take none).
    private var blocks: [Int: Int] = [:]
    private var openBlocks: Set<Int> = []
    private var nextIndex = 0
    private var stopReason: String?
    private var reportedUsage: WireJSONObject?
    private var stopped = false

    /// `messageID`: the `message_start` id (Converse streams name none); fixed by tests.
    init(inner: Inner, responseModel: String, messageID: String = "msg_bedrock_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()) {
        self.inner = inner
        self.responseModel = responseModel
        self.messageID = messageID
    }

    var usage: TokenUsage? { inner.usage }
    var sawTerminalEvent: Bool { inner.sawTerminalEvent }
    var emittedContent: Bool { inner.emittedContent }
    var outputBytes: Int { inner.outputBytes }
    var upstreamError: UpstreamStreamError? { inner.upstreamError }

    mutating func translate(_ event: SSEEvent) throws(TranslationError) -> [UInt8] {
        var out: [UInt8] = []
        for anthropic in try anthropicEvents(event) { out += try inner.translate(anthropic) }
        return out
    }

    mutating func finish() -> [UInt8] {
        var out: [UInt8] = []
        if stopReason != nil, !stopped {
            for event in closing() { out += (try? inner.translate(event)) ?? [] }
        }
        return out + inner.finish()
    }

    private mutating func anthropicEvents(_ event: SSEEvent) throws(TranslationError) -> [SSEEvent] {
        let name = event.event ?? ""
        if name == "exception" {
            let payload = try FieldReader.root(Array(event.data.utf8), context: "exception")
            let type = try payload.string("type")
            let error: WireJSON = ["type": "error", "error": ["type": .string(Self.anthropicErrorType(type)), "message": .string(try payload.string("message"))]]
            return [SSEEvent(event: "error", data: error.serializedString())]
        }
        let payload = try FieldReader.root(Array(event.data.utf8), context: name.isEmpty ? "stream event" : name)
        var events: [SSEEvent] = []
        if !started, name != "metadata" {
            started = true
            events.append(Self.event("message_start", [
                "type": "message_start",
                "message": [
                    "id": .string(messageID), "type": "message", "role": "assistant", "model": .string(responseModel),
                    "content": [], "stop_reason": nil, "stop_sequence": nil,
                    "usage": ["input_tokens": 0, "output_tokens": 0],
                ],
            ]))
        }
        switch name {
        case "messageStart":
            break
        case "contentBlockStart":
            let index = try payload.optionalInt("contentBlockIndex") ?? 0
            if let use = try payload.optionalObject("start")?.optionalObject("toolUse") {
                events.append(Self.event("content_block_start", [
                    "type": "content_block_start", "index": .int(open(index)),
                    "content_block": ["type": "tool_use", "id": .string(try use.string("toolUseId")), "name": .string(try use.string("name")), "input": .object(WireJSONObject())],
                ]))
            }
        case "contentBlockDelta":
            let index = try payload.optionalInt("contentBlockIndex") ?? 0
            let delta = try payload.object("delta")
            if let text = try delta.optionalString("text") {
                let client: Int
                if let opened = blocks[index] {
                    client = opened
                } else {
                    client = open(index)
                    events.append(Self.event("content_block_start", [
                        "type": "content_block_start", "index": .int(client), "content_block": ["type": "text", "text": ""],
                    ]))
                }
                events.append(Self.event("content_block_delta", [
                    "type": "content_block_delta", "index": .int(client), "delta": ["type": "text_delta", "text": .string(text)],
                ]))
            } else if let use = try delta.optionalObject("toolUse") {
                guard let client = blocks[index] else { throw .field("contentBlockDelta.delta.toolUse", "a tool input delta before its contentBlockStart") }
                events.append(Self.event("content_block_delta", [
                    "type": "content_block_delta", "index": .int(client),
                    "delta": ["type": "input_json_delta", "partial_json": .string(try use.optionalString("input") ?? "")],
                ]))
            }
        case "contentBlockStop":
            let index = try payload.optionalInt("contentBlockIndex") ?? 0
            if let client = blocks[index], openBlocks.remove(index) != nil {
                events.append(Self.event("content_block_stop", ["type": "content_block_stop", "index": .int(client)]))
            }
        case "messageStop":
            stopReason = try payload.optionalString("stopReason") ?? "end_turn"
            if reportedUsage != nil { events += closing() }
        case "metadata":
            if let usage = try payload.optionalObject("usage") {
                var anthropic: WireJSONObject = [
                    "input_tokens": .int(try usage.optionalInt("inputTokens") ?? 0),
                    "output_tokens": .int(try usage.optionalInt("outputTokens") ?? 0),
                ]
                if let read = try usage.optionalInt("cacheReadInputTokens"), read > 0 { anthropic["cache_read_input_tokens"] = .int(read) }
                if let write = try usage.optionalInt("cacheWriteInputTokens"), write > 0 { anthropic["cache_creation_input_tokens"] = .int(write) }
                reportedUsage = anthropic
            } else {
                reportedUsage = WireJSONObject()
            }
            if stopReason != nil { events += closing() }
        default:
            break  // future event types
        }
        return events
    }

    /// Opens the client block for Bedrock block `index`.
    private mutating func open(_ index: Int) -> Int {
        if let client = blocks[index] { return client }
        blocks[index] = nextIndex
        openBlocks.insert(index)
        nextIndex += 1
        return nextIndex - 1
    }

    /// Open blocks closed, then message_delta (stop reason, usage) and message_stop.
    private mutating func closing() -> [SSEEvent] {
        guard !stopped else { return [] }
        stopped = true
        var events: [SSEEvent] = []
        for index in openBlocks.sorted() {
            guard let client = blocks[index] else { continue }  // every open block has its client index
            events.append(Self.event("content_block_stop", ["type": "content_block_stop", "index": .int(client)]))
        }
        openBlocks.removeAll()
        var delta: WireJSONObject = ["type": "message_delta", "delta": ["stop_reason": .string(ConverseAnswers.anthropicStopReason(stopReason ?? "end_turn")), "stop_sequence": nil]]
        if let reportedUsage, !reportedUsage.isEmpty { delta["usage"] = .object(reportedUsage) } else { delta["usage"] = ["output_tokens": 0] }
        events.append(Self.event("message_delta", .object(delta)))
        events.append(Self.event("message_stop", ["type": "message_stop"]))
        return events
    }

    static func anthropicErrorType(_ exception: String) -> String {
        switch exception {
        case "throttlingException": "rate_limit_error"
        case "serviceUnavailableException", "modelNotReadyException": "overloaded_error"
        case "validationException": "invalid_request_error"
        default: "api_error"
        }
    }

    private static func event(_ name: String, _ payload: WireJSON) -> SSEEvent {
        SSEEvent(event: name, data: payload.serializedString())
    }
}
