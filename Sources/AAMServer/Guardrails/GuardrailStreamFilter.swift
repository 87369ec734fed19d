import AAMCore
import AAMProviders

/// Applies response guardrails to a client-bound event stream (already in the client's
/// protocol): every text delta goes through a `StreamRedactor` per channel and is replaced by
/// what is safe to send; held text is flushed as an extra delta before the channel ends; a
/// block ends the stream with an in-band `guardrail_blocked` error and no terminator.
struct GuardrailStreamFilter: Sendable {
    /// A streamed text: one choice's content or tool-call arguments (OpenAI), one content
    /// block's text or tool input (Anthropic).
    private enum Channel: RedactedChannel {
        case content(choice: Int)
        case toolArguments(choice: Int, tool: Int)
        case block(index: Int, json: Bool)

        var location: String {
            switch self {
            case .content(let choice): "choices[\(choice)].delta.content"
            case .toolArguments(let choice, let tool): "choices[\(choice)].delta.tool_calls[\(tool)].function.arguments"
            case .block(let index, let json): json ? "content[\(index)].input" : "content[\(index)].text"
            }
        }
        var choice: Int? {
            switch self {
            case .content(let choice), .toolArguments(let choice, _): choice
            case .block: nil
            }
        }
    }

    let engine: GuardrailEngine
    let wire: WireProtocol
    /// Reads client-bound events, which the translators make from upstream events the upstream
    /// parser already bounded; a translation may escape text, hence the larger cap.
    private var parser = SSEParser(maximumEventBytes: 4 * SSEParser.defaultMaximumEventBytes)
    private var redactors: ChannelRedactors<Channel>
    /// OpenAI: the last chunk's members other than `choices`/`usage`, to frame extra deltas.
    private var chunkHeader = WireJSONObject()
    private(set) var blocked: GuardrailDecision?
    /// The text released with the block (what preceded the match), sent before the error.
    private var pendingBlockText: (Channel, String)?
    /// The client speaks the Responses API and the vendor too: its typed events have their own
    /// filter (`ResponsesGuardrailStreamFilter`).
    private var responses: ResponsesGuardrailStreamFilter?

    /// `windowBytes`: held back per channel, so a match split across chunks is caught whole.
    init(engine: GuardrailEngine, wire: WireProtocol, windowBytes: Int = 256) {
        self.engine = engine
        self.wire = wire
        self.redactors = ChannelRedactors(engine: engine, windowBytes: windowBytes)
        if wire == .openAIResponses { responses = ResponsesGuardrailStreamFilter(engine: engine, windowBytes: windowBytes) }
    }

    /// Every decision so far (final once the stream ended), channel by channel.
    var decisions: [GuardrailDecision] { responses?.decisions ?? redactors.decisions }

    /// A Responses stream's `error` + `response.failed` in the client's numbering; nil for the
    /// other protocols (their error event is not numbered).
    func responsesFailure(code: String, message: String) -> [UInt8]? {
        responses?.failure(code: code, message: message)
    }

    /// Takes client-bound bytes; returns the bytes to send instead. Throws when an event is
    /// larger than the parser accepts (the stream then ends with its in-band error).
    mutating func process(_ bytes: [UInt8]) throws(SSEEventTooLarge) -> [UInt8] {
        if responses != nil {
            defer { blocked = responses?.blocked }
            return try responses?.process(bytes) ?? []
        }
        guard blocked == nil else { return [] }
        var out: [UInt8] = []
        for event in try parser.append(bytes) where blocked == nil { handle(event, into: &out) }
        return out
    }

    /// The stream ended: whatever the parser and the redactors still hold.
    mutating func finish() -> [UInt8] {
        if responses != nil {
            defer { blocked = responses?.blocked }
            return responses?.finish() ?? []
        }
        guard blocked == nil else { return [] }
        var out: [UInt8] = []
        for event in parser.finish() where blocked == nil { handle(event, into: &out) }
        if blocked == nil { flush({ _ in true }, into: &out) }
        return out
    }

    private mutating func handle(_ event: SSEEvent, into out: inout [UInt8]) {
        switch wire {
        case .openAIChat: handleOpenAI(event, into: &out)
        case .anthropicMessages: handleAnthropic(event, into: &out)
        case .openAIResponses: break  // `responses` has them

        }
    }

    // MARK: OpenAI

    private mutating func handleOpenAI(_ event: SSEEvent, into out: inout [UInt8]) {
        if event.data == "[DONE]" { flush({ _ in true }, into: &out) }
        guard blocked == nil else { return }
        guard event.data != "[DONE]", !event.data.isEmpty else { return out.append(contentsOf: event.encoded()) }
        // A chunk the filter cannot read (not JSON, or a key held twice) is dropped, never passed
        // on unjudged: the client's parser might read text the guardrail did not.
        guard case .object(var chunk)? = try? WireJSON.parse(event.data) else { return }
        guard case .array(var choices)? = chunk["choices"] else { return out.append(contentsOf: event.encoded()) }
        chunkHeader = WireJSONObject(members: chunk.members.filter { $0.key != "choices" && $0.key != "usage" })
        var finishing: [Int] = []
        for position in choices.indices {
            let choice = choices[position]["index"]?.intValue ?? position
            choices[position].update("delta") { delta in
                delta.update("content") { feed(&$0, .content(choice: choice)) }
                delta.update("tool_calls") { calls in
                    calls.updateEach { k, call in
                        let tool = call["index"]?.intValue ?? k
                        call.update("function") { $0.update("arguments") { feed(&$0, .toolArguments(choice: choice, tool: tool)) } }
                    }
                }
            }
            if choices[position]["finish_reason"]?.stringValue != nil { finishing.append(choice) }
        }
        if let blocked { return emitBlock(blocked, into: &out) }
        flush({ $0.choice.map(finishing.contains) ?? false }, into: &out)
        guard blocked == nil else { return }
        chunk["choices"] = .array(choices)
        out.append(contentsOf: SSEEvent(event: event.event, data: WireJSON.object(chunk).serializedString()).encoded())
    }

    private func openAIDelta(_ channel: Channel, _ text: String) -> SSEEvent {
        var delta: WireJSON = ["content": .string(text)]
        if case .toolArguments(_, let tool) = channel {
            delta = ["tool_calls": [["index": .int(tool), "function": ["arguments": .string(text)]]]]
        }
        var chunk = chunkHeader
        chunk["choices"] = [["index": .int(channel.choice ?? 0), "delta": delta, "finish_reason": nil]]
        return SSEEvent(event: nil, data: WireJSON.object(chunk).serializedString())
    }

    // MARK: Anthropic

    private mutating func handleAnthropic(_ event: SSEEvent, into out: inout [UInt8]) {
        // Unreadable (not JSON, or a key held twice): dropped, never passed on unjudged.
        if event.data.isEmpty { return out.append(contentsOf: event.encoded()) }
        guard var data = try? WireJSON.parse(event.data) else { return }
        guard let type = data["type"]?.stringValue else { return out.append(contentsOf: event.encoded()) }
        let index = data["index"]?.intValue ?? 0
        switch type {
        case "content_block_delta":
            data.update("delta") { delta in
                switch delta["type"]?.stringValue {
                case "text_delta"?: delta.update("text") { feed(&$0, .block(index: index, json: false)) }
                case "input_json_delta"?: delta.update("partial_json") { feed(&$0, .block(index: index, json: true)) }
                default: break
                }
            }
            if let blocked { return emitBlock(blocked, into: &out) }
            out.append(contentsOf: SSEEvent(event: event.event, data: data.serializedString()).encoded())
        case "content_block_stop":
            flush({ if case .block(index, _) = $0 { true } else { false } }, into: &out)
            if blocked == nil { out.append(contentsOf: event.encoded()) }
        case "message_delta", "message_stop":
            flush({ _ in true }, into: &out)
            if blocked == nil { out.append(contentsOf: event.encoded()) }
        default:
            out.append(contentsOf: event.encoded())
        }
    }

    private func anthropicDelta(_ channel: Channel, _ text: String) -> SSEEvent {
        guard case .block(let index, let json) = channel else { return SSEEvent(data: "") }
        let delta: WireJSON = json ? ["type": "input_json_delta", "partial_json": .string(text)] : ["type": "text_delta", "text": .string(text)]
        let data: WireJSON = ["type": "content_block_delta", "index": .int(index), "delta": delta]
        return SSEEvent(event: "content_block_delta", data: data.serializedString())
    }

    // MARK: Channels

    /// Feeds a delta string through its channel's redactor and replaces it with what is safe.
    private mutating func feed(_ value: inout WireJSON, _ channel: Channel) {
        guard blocked == nil, let text = value.stringValue else { return }
        let output = redactors.feed(text, channel)
        value = .string(output.text)
        if let decision = output.blocked {
            blocked = decision
            pendingBlockText = (channel, output.text)
        }
    }

    /// Finishes the redactors of matching channels, emitting their held text as extra deltas.
    private mutating func flush(_ matching: (Channel) -> Bool, into out: inout [UInt8]) {
        guard blocked == nil else { return }
        let ended = redactors.finish(matching)
        for (channel, text) in ended.released { out.append(contentsOf: delta(channel, text).encoded()) }
        if let (channel, output) = ended.block, let decision = output.blocked {
            blocked = decision
            pendingBlockText = (channel, output.text)
            emitBlock(decision, into: &out)
        }
    }

    private func delta(_ channel: Channel, _ text: String) -> SSEEvent {
        wire == .openAIChat ? openAIDelta(channel, text) : anthropicDelta(channel, text)
    }

    /// The text released before the match, then the in-band error; nothing after it.
    private func emitBlock(_ decision: GuardrailDecision, into out: inout [UInt8]) {
        if let (channel, text) = pendingBlockText, !text.isEmpty { out.append(contentsOf: delta(channel, text).encoded()) }
        let message = GuardrailBodyFilter.blockedError(decision).message
        switch wire {
        case .openAIChat, .openAIResponses:
            out.append(contentsOf: StreamErrorEvent.openAI(message: message, type: .invalidRequestError, code: .guardrailBlocked))
        case .anthropicMessages:
            out.append(contentsOf: StreamErrorEvent.anthropic(type: .invalidRequestError, message: message))
        }
    }
}
