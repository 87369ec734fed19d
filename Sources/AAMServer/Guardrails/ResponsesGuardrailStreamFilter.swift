import AAMCore
import AAMProviders

/// Response guardrails on a Responses API stream that passes through from a vendor's own
/// Responses API (`GuardrailStreamFilter` hands it the events when the client speaks it).
///
/// Text arrives as deltas (`response.output_text.delta`, `response.refusal.delta`,
/// `response.function_call_arguments.delta`, `response.reasoning_summary_text.delta`), one
/// `StreamRedactor` per text with the same hold-back window as chat; held text goes out as an
/// extra delta before its text ends. The same text comes again whole in the `.done` events,
/// `response.content_part.done`, `response.output_item.done` and the final `response`: there it
/// becomes exactly what the client was sent, so no event repeats what a delta withheld. A text
/// no delta carried is inspected whole. Every event is renumbered (`sequence_number`), since
/// extra deltas shift the numbering, and a block ends the stream with the translated path's
/// `error` + `response.failed` (`ResponsesStreamTail`).
struct ResponsesGuardrailStreamFilter: Sendable {
    /// One streamed text: part `index` of output item `output` (a message's text or refusal
    /// part, a reasoning summary part), or a function call's arguments (`index` 0).
    private struct Channel: RedactedChannel {
        enum Kind: Sendable, Hashable { case text, refusal, arguments, summary }
        let output: Int
        let index: Int
        let kind: Kind

        var location: String {
            switch kind {
            case .text: "output[\(output)].content[\(index)].text"
            case .refusal: "output[\(output)].content[\(index)].refusal"
            case .arguments: "output[\(output)].arguments"
            case .summary: "output[\(output)].summary[\(index)].text"
            }
        }
    }

    let engine: GuardrailEngine
    /// Client-bound events are the vendor's, already bounded by the upstream parser.
    private var parser = SSEParser(maximumEventBytes: 4 * SSEParser.defaultMaximumEventBytes)
    private var redactors: ChannelRedactors<Channel>
    /// What the client was sent of each text: the whole text in later events is this.
    private var sent: [Channel: String] = [:]
    private var itemIDs: [Channel: String] = [:]
    /// Decisions on texts inspected whole (no delta carried them).
    private var wholeTextDecisions: [GuardrailDecision] = []
    private(set) var blocked: GuardrailDecision?
    /// The text released with the block (what preceded the match), sent before the error.
    private var pendingBlockText: (Channel, String)?
    /// The client's numbering and the announced response.
    private var tail = ResponsesStreamTail()

    init(engine: GuardrailEngine, windowBytes: Int) {
        self.engine = engine
        self.redactors = ChannelRedactors(engine: engine, windowBytes: windowBytes)
    }

    var decisions: [GuardrailDecision] { redactors.decisions + wholeTextDecisions }

    mutating func process(_ bytes: [UInt8]) throws(SSEEventTooLarge) -> [UInt8] {
        guard blocked == nil else { return [] }
        var out: [UInt8] = []
        for event in try parser.append(bytes) where blocked == nil { handle(event, into: &out) }
        return out
    }

    mutating func finish() -> [UInt8] {
        guard blocked == nil else { return [] }
        var out: [UInt8] = []
        for event in parser.finish() where blocked == nil { handle(event, into: &out) }
        if blocked == nil { flush({ _ in true }, into: &out) }
        return out
    }

    /// `error` + `response.failed`, numbered on from the last event the client got.
    func failure(code: String, message: String) -> [UInt8] {
        var tail = tail
        return tail.failure(code: code, message: message)
    }

    // MARK: Events

    private mutating func handle(_ event: SSEEvent, into out: inout [UInt8]) {
        if event.data.isEmpty { return out.append(contentsOf: event.encoded()) }
        // Unreadable (not JSON, or a key held twice): dropped, never passed on unjudged.
        guard case .object(var object)? = try? WireJSON.parse(event.data) else { return }
        let type = object["type"]?.stringValue ?? event.event ?? ""
        let output = object["output_index"]?.intValue ?? 0
        let part = object["content_index"]?.intValue ?? object["summary_index"]?.intValue ?? 0
        switch type {
        case "response.output_text.delta": delta(&object, Channel(output: output, index: part, kind: .text))
        case "response.refusal.delta": delta(&object, Channel(output: output, index: part, kind: .refusal))
        case "response.function_call_arguments.delta": delta(&object, Channel(output: output, index: 0, kind: .arguments))
        case "response.reasoning_summary_text.delta": delta(&object, Channel(output: output, index: part, kind: .summary))
        case "response.output_text.done": whole(&object, "text", Channel(output: output, index: part, kind: .text), into: &out)
        case "response.refusal.done": whole(&object, "refusal", Channel(output: output, index: part, kind: .refusal), into: &out)
        case "response.function_call_arguments.done": whole(&object, "arguments", Channel(output: output, index: 0, kind: .arguments), into: &out)
        case "response.reasoning_summary_text.done": whole(&object, "text", Channel(output: output, index: part, kind: .summary), into: &out)
        case "response.content_part.done", "response.reasoning_summary_part.done":
            let summary = type == "response.reasoning_summary_part.done"
            var value = WireJSON.object(object)
            value.update("part") { piece in
                let refusal = piece["refusal"] != nil
                let kind: Channel.Kind = summary ? .summary : refusal ? .refusal : .text
                piece.update(refusal ? "refusal" : "text") { replaceWhole(&$0, Channel(output: output, index: part, kind: kind), into: &out) }
            }
            object = value.objectValue ?? object
        case "response.output_item.done":
            flush({ $0.output == output }, into: &out)
            var value = WireJSON.object(object)
            value.update("item") { screenItem(&$0, output: output, into: &out) }
            object = value.objectValue ?? object
        case "response.completed", "response.incomplete", "response.failed":
            flush({ _ in true }, into: &out)
            var value = WireJSON.object(object)
            value.update("response") { response in
                response.update("output") { items in items.updateEach { i, item in screenItem(&item, output: i, into: &out) } }
            }
            object = value.objectValue ?? object
        default:
            break
        }
        if let blocked { return emitBlock(blocked, into: &out) }
        emit(object, name: event.event, into: &out)
    }

    /// A delta: through its text's redactor, replaced by what is safe to send now.
    private mutating func delta(_ object: inout WireJSONObject, _ channel: Channel) {
        guard blocked == nil, let text = object["delta"]?.stringValue else { return }
        if !redactors.has(channel), let id = object["item_id"]?.stringValue { itemIDs[channel] = id }
        let output = redactors.feed(text, channel)
        object["delta"] = .string(output.text)
        sent[channel, default: ""] += output.text
        if let decision = output.blocked {
            blocked = decision
            pendingBlockText = (channel, output.text)
        }
    }

    /// A `.done` event's whole text (`key`): the held rest goes out first, then the text is
    /// what the client was sent.
    private mutating func whole(_ object: inout WireJSONObject, _ key: String, _ channel: Channel, into out: inout [UInt8]) {
        guard var value = object[key] else { return }
        replaceWhole(&value, channel, into: &out)
        object[key] = value
    }

    private mutating func replaceWhole(_ value: inout WireJSON, _ channel: Channel, into out: inout [UInt8]) {
        guard blocked == nil, let text = value.stringValue else { return }
        flush({ $0 == channel }, into: &out)
        guard blocked == nil else { return }
        if let delivered = sent[channel] {
            value = .string(delivered)
            return
        }
        // No delta carried this text: judged whole, once.
        let inspection = engine.inspect(text, direction: .response, location: channel.location)
        wholeTextDecisions.append(contentsOf: inspection.decisions)
        if let block = inspection.block {
            blocked = block
            return
        }
        sent[channel] = inspection.text
        value = .string(inspection.text)
    }

    /// The texts of one finished output item (`response.output_item.done`, the final response).
    private mutating func screenItem(_ item: inout WireJSON, output: Int, into out: inout [UInt8]) {
        item.update("content") { content in
            content.updateEach { j, part in
                part.update("text") { replaceWhole(&$0, Channel(output: output, index: j, kind: .text), into: &out) }
                part.update("refusal") { replaceWhole(&$0, Channel(output: output, index: j, kind: .refusal), into: &out) }
            }
        }
        item.update("arguments") { replaceWhole(&$0, Channel(output: output, index: 0, kind: .arguments), into: &out) }
        item.update("summary") { summary in
            summary.updateEach { j, part in part.update("text") { replaceWhole(&$0, Channel(output: output, index: j, kind: .summary), into: &out) } }
        }
    }

    // MARK: Output

    /// Finishes the redactors of matching texts, sending their held rest as extra deltas.
    private mutating func flush(_ matching: (Channel) -> Bool, into out: inout [UInt8]) {
        guard blocked == nil else { return }
        let ended = redactors.finish(matching)
        for (channel, text) in ended.released {
            sent[channel, default: ""] += text
            out.append(contentsOf: extraDelta(channel, text))
        }
        if let (channel, output) = ended.block, let decision = output.blocked {
            blocked = decision
            pendingBlockText = (channel, output.text)
        }
    }

    private mutating func extraDelta(_ channel: Channel, _ text: String) -> [UInt8] {
        let id: (String, WireJSON) = ("item_id", .string(itemIDs[channel] ?? ""))
        let output: (String, WireJSON) = ("output_index", .int(channel.output))
        switch channel.kind {
        case .text:
            return tail.event("response.output_text.delta", [id, output, ("content_index", .int(channel.index)), ("delta", .string(text)), ("logprobs", [])])
        case .refusal:
            return tail.event("response.refusal.delta", [id, output, ("content_index", .int(channel.index)), ("delta", .string(text))])
        case .arguments:
            return tail.event("response.function_call_arguments.delta", [id, output, ("delta", .string(text))])
        case .summary:
            return tail.event("response.reasoning_summary_text.delta", [id, output, ("summary_index", .int(channel.index)), ("delta", .string(text))])
        }
    }

    /// The event with the client's next number.
    private mutating func emit(_ object: WireJSONObject, name: String?, into out: inout [UInt8]) {
        var object = object
        object["sequence_number"] = .int(tail.nextSequence)
        tail.note(object)
        out.append(contentsOf: SSEEvent(event: name, data: WireJSON.object(object).serializedString()).encoded())
    }

    /// The text released before the match, then `error` + `response.failed`; nothing after.
    private mutating func emitBlock(_ decision: GuardrailDecision, into out: inout [UInt8]) {
        if let (channel, text) = pendingBlockText, !text.isEmpty { out.append(contentsOf: extraDelta(channel, text)) }
        pendingBlockText = nil
        out.append(contentsOf: failure(code: ErrorCode.guardrailBlocked.rawValue, message: GuardrailBodyFilter.blockedError(decision).message))
    }
}
