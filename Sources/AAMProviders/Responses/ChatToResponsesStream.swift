import AAMCore

/// Rewrites a client-bound OpenAI chat stream (after bridges and response guardrails) into the
/// Responses API's typed events, as OpenAI sends them: `event: <type>` and a `data:` object with
/// that `type` and a `sequence_number` counting from 0.
///
/// Order (openai-python `ResponseStreamEvent`; OpenAI's streaming guide): `response.created`,
/// `response.in_progress`; per text item `response.output_item.added`,
/// `response.content_part.added`, `response.output_text.delta`…, `response.output_text.done`,
/// `response.content_part.done`, `response.output_item.done`; per tool call
/// `response.output_item.added`, `response.function_call_arguments.delta`…,
/// `response.function_call_arguments.done`, `response.output_item.done`; then
/// `response.completed` (or `response.incomplete`) with usage. A chat error event (the vendor's,
/// a guardrail block, the gateway's truncation notice) becomes `error` then `response.failed`.
///
/// Works on bytes, not on the chat translator's events, so it sits after everything that
/// produces chat bytes (the byte-level fast path, a bridge, the guardrail hold-back filter).
public struct ChatToResponsesStream: Sendable {
    private let response: ResponseObject
    private var parser = SSEParser()
    private var sequence = 0
    private var started = false
    fileprivate var ended = false
    private var items: [WireJSON] = []
    private var open: OpenItem?
    private var finishReason: String?
    private var usage: TokenUsage?

    private enum OpenItem: Sendable {
        case message(id: String, text: String)
        case call(chatIndex: Int, id: String, callID: String, name: String, arguments: String)
    }

    public init(response: ResponseObject) {
        self.response = response
    }

    /// Translates chat SSE bytes (any split) into Responses events.
    public mutating func translate(_ bytes: some Sequence<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        let events: [SSEEvent]
        do {
            events = try parser.append(bytes)
        } catch {
            fail(code: ErrorCode.upstreamStreamFailed.rawValue, message: "A stream event was too large to relay.", into: &out)
            return out
        }
        for event in events { handle(event, into: &out) }
        return out
    }

    private mutating func handle(_ event: SSEEvent, into out: inout [UInt8]) {
        guard !ended else { return }
        if event.data == "[DONE]" {
            start(into: &out)
            close(into: &out)
            let (status, reason) = ResponseObject.status(finishReason: finishReason)
            emit(status == "incomplete" ? "response.incomplete" : "response.completed",
                 [("response", response.json(status: status, output: items, usage: usage, incompleteReason: reason))], into: &out)
            ended = true
            return
        }
        guard case .object(let chunk)? = try? WireJSON.parse(event.data, context: "stream event") else { return }
        if let error = chunk["error"]?.objectValue {
            start(into: &out)
            fail(code: error["code"]?.stringValue ?? error["type"]?.stringValue ?? ErrorCode.upstreamError.rawValue,
                 message: error["message"]?.stringValue ?? "The upstream stream failed.", into: &out)
            return
        }
        start(into: &out)
        if let reported = chunk["usage"]?.objectValue { usage = ProtocolMappings.usage(fromOpenAI: reported) }
        guard let choice = chunk["choices"]?.arrayValue?.first(where: { ($0["index"]?.intValue ?? 0) == 0 })?.objectValue else { return }
        let delta = choice["delta"]?.objectValue ?? [:]
        for key in ["content", "refusal"] {
            if let text = delta[key]?.stringValue, !text.isEmpty { appendText(text, into: &out) }
        }
        for call in delta["tool_calls"]?.arrayValue ?? [] { appendCall(call, into: &out) }
        if let reason = choice["finish_reason"]?.stringValue {
            finishReason = reason
            close(into: &out)
        }
    }

    private mutating func start(into out: inout [UInt8]) {
        guard !started else { return }
        started = true
        let initial = response.json(status: "in_progress", output: [], usage: nil)
        emit("response.created", [("response", initial)], into: &out)
        emit("response.in_progress", [("response", initial)], into: &out)
    }

    private mutating func appendText(_ text: String, into out: inout [UInt8]) {
        if case .message(let id, let sofar) = open {
            open = .message(id: id, text: sofar + text)
            emit("response.output_text.delta", textFields(id) + [("delta", .string(text)), ("logprobs", [])], into: &out)
            return
        }
        close(into: &out)
        let id = response.itemID("msg", items.count)
        emit("response.output_item.added", [
            ("output_index", .int(items.count)),
            ("item", ["id": .string(id), "type": "message", "status": "in_progress", "role": "assistant", "content": []]),
        ], into: &out)
        emit("response.content_part.added", textFields(id) + [("part", Self.textPart(""))], into: &out)
        open = .message(id: id, text: text)
        emit("response.output_text.delta", textFields(id) + [("delta", .string(text)), ("logprobs", [])], into: &out)
    }

    private mutating func appendCall(_ call: WireJSON, into out: inout [UInt8]) {
        let chatIndex = call["index"]?.intValue ?? 0
        let fragment = call["function"]?["arguments"]?.stringValue ?? ""
        if case .call(let index, let id, let callID, let name, let arguments) = open, index == chatIndex {
            open = .call(chatIndex: index, id: id, callID: callID, name: name, arguments: arguments + fragment)
            if !fragment.isEmpty { emit("response.function_call_arguments.delta", callFields(id) + [("delta", .string(fragment))], into: &out) }
            return
        }
        close(into: &out)
        let id = response.itemID("fc", items.count)
        let callID = call["id"]?.stringValue ?? ""
        let name = call["function"]?["name"]?.stringValue ?? ""
        emit("response.output_item.added", [
            ("output_index", .int(items.count)),
            ("item", ResponseObject.functionCallItem(id: id, callID: callID, name: name, arguments: "", status: "in_progress")),
        ], into: &out)
        open = .call(chatIndex: chatIndex, id: id, callID: callID, name: name, arguments: fragment)
        if !fragment.isEmpty { emit("response.function_call_arguments.delta", callFields(id) + [("delta", .string(fragment))], into: &out) }
    }

    /// Ends the open item with its `.done` events and keeps it for the final response.
    private mutating func close(into out: inout [UInt8]) {
        guard let item = open else { return }
        open = nil
        switch item {
        case .message(let id, let text):
            emit("response.output_text.done", textFields(id) + [("text", .string(text)), ("logprobs", [])], into: &out)
            emit("response.content_part.done", textFields(id) + [("part", Self.textPart(text))], into: &out)
            let done = ResponseObject.messageItem(id: id, text: text)
            emit("response.output_item.done", [("output_index", .int(items.count)), ("item", done)], into: &out)
            items.append(done)
        case .call(_, let id, let callID, let name, let arguments):
            emit("response.function_call_arguments.done", callFields(id) + [("name", .string(name)), ("arguments", .string(arguments))], into: &out)
            let done = ResponseObject.functionCallItem(id: id, callID: callID, name: name, arguments: arguments)
            emit("response.output_item.done", [("output_index", .int(items.count)), ("item", done)], into: &out)
            items.append(done)
        }
    }

    /// `error`, then `response.failed` carrying the same error; nothing follows.
    fileprivate mutating func fail(code: String, message: String, into out: inout [UInt8]) {
        guard !ended else { return }
        start(into: &out)
        emit("error", [("code", .string(code)), ("message", .string(message)), ("param", .null)], into: &out)
        let error: WireJSON = ["code": .string(code), "message": .string(message)]
        // What was complete stays in the failed response; a half-open item is not claimed as done.
        emit("response.failed", [("response", response.json(status: "failed", output: items, usage: usage, error: error))], into: &out)
        ended = true
    }

    private func textFields(_ id: String) -> [(String, WireJSON)] {
        [("item_id", .string(id)), ("output_index", .int(items.count)), ("content_index", 0)]
    }

    private func callFields(_ id: String) -> [(String, WireJSON)] {
        [("item_id", .string(id)), ("output_index", .int(items.count))]
    }

    private static func textPart(_ text: String) -> WireJSON {
        ["type": "output_text", "text": .string(text), "annotations": [], "logprobs": []]
    }

    private mutating func emit(_ type: String, _ fields: [(String, WireJSON)], into out: inout [UInt8]) {
        var object: WireJSONObject = ["type": .string(type)]
        for (key, value) in fields { object[key] = value }
        object["sequence_number"] = .int(sequence)
        sequence += 1
        out.append(contentsOf: SSEEvent(event: type, data: WireJSON.object(object).serializedString()).encoded())
    }
}

extension ChatToResponsesStream {
    /// Ends the stream with `error` + `response.failed`, even after a terminal event was
    /// produced (a stream whose end is withheld because its record could not be made durable).
    public mutating func failure(code: String, message: String) -> [UInt8] {
        var out: [UInt8] = []
        ended = false
        fail(code: code, message: message, into: &out)
        return out
    }
}
