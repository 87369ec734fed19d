/// OpenAI Responses API wire text (`POST /v1/responses`, Azure `POST /openai/v1/responses`),
/// written by hand like `OpenAIWire`.
///
/// Shapes and order follow OpenAI's API reference and streaming guide (and openai-python's
/// `types/responses`): a `response` object (`id`, `object`, `created_at`, `status`, …,
/// `output`, …, `usage`), pretty-printed when plain; a stream of `event: TYPE` / one-line
/// `data:` events numbered by `sequence_number` from 0: `response.created`,
/// `response.in_progress`, then per message `response.output_item.added`,
/// `response.content_part.added`, `response.output_text.delta`…, `response.output_text.done`,
/// `response.content_part.done`, `response.output_item.done` (per function call
/// `response.output_item.added`, `response.function_call_arguments.delta`…,
/// `response.function_call_arguments.done`, `response.output_item.done`), and
/// `response.completed` with the usage.
enum ResponsesWire {
    /// What a response needs besides the reply.
    struct Envelope: Sendable {
        var id: String
        var model: String
        var previousResponseID: String?
        var store: Bool
    }

    static func messageID(_ id: String) -> String { "msg_" + id.dropFirst("resp_".count) }
    static func callItemID(_ id: String) -> String { "fc_" + id.dropFirst("resp_".count) }

    // MARK: Plain

    static func response(_ envelope: Envelope, reply: FakeReply) -> String {
        JSONPrettyPrinter.indent(responseObject(envelope, status: "completed", output: outputItems(envelope, reply: reply), usage: usage(reply)), by: 2) + "\n"
    }

    // MARK: Stream

    static func streamEvents(_ envelope: Envelope, reply: FakeReply) -> [String] {
        var events: [String] = []
        func event(_ type: String, _ fields: String) {
            let separator = fields.isEmpty ? "" : ","
            events.append("event: \(type)\ndata: {\"type\":\"\(type)\",\"sequence_number\":\(events.count)\(separator)\(fields)}\n\n")
        }
        let initial = responseObject(envelope, status: "in_progress", output: [], usage: "null")
        event("response.created", #""response":\#(initial)"#)
        event("response.in_progress", #""response":\#(initial)"#)
        if let call = reply.toolCall {
            let itemID = callItemID(envelope.id)
            event("response.output_item.added", #""output_index":0,"item":\#(functionCallItem(itemID, call: call, arguments: "", status: "in_progress"))"#)
            for fragment in call.argumentFragments {
                event("response.function_call_arguments.delta", #""item_id":\#(JSONText.string(itemID)),"output_index":0,"delta":\#(JSONText.string(fragment))"#)
            }
            event("response.function_call_arguments.done", #""item_id":\#(JSONText.string(itemID)),"output_index":0,"arguments":\#(JSONText.string(call.arguments))"#)
            event("response.output_item.done", #""output_index":0,"item":\#(functionCallItem(itemID, call: call, arguments: call.arguments, status: "completed"))"#)
        } else {
            let itemID = messageID(envelope.id)
            let at = #""item_id":\#(JSONText.string(itemID)),"output_index":0,"content_index":0"#
            event("response.output_item.added", #""output_index":0,"item":{"id":\#(JSONText.string(itemID)),"type":"message","status":"in_progress","content":[],"role":"assistant"}"#)
            event("response.content_part.added", #"\#(at),"part":\#(textPart(""))"#)
            for piece in reply.textPieces {
                event("response.output_text.delta", #"\#(at),"delta":\#(JSONText.string(piece)),"logprobs":[]"#)
            }
            event("response.output_text.done", #"\#(at),"text":\#(JSONText.string(reply.text)),"logprobs":[]"#)
            event("response.content_part.done", #"\#(at),"part":\#(textPart(reply.text))"#)
            event("response.output_item.done", #""output_index":0,"item":\#(messageItem(itemID, text: reply.text))"#)
        }
        let final = responseObject(envelope, status: reply.finish == .length ? "incomplete" : "completed", output: outputItems(envelope, reply: reply), usage: usage(reply))
        event(reply.finish == .length ? "response.incomplete" : "response.completed", #""response":\#(final)"#)
        return events
    }

    // MARK: Pieces

    static func usage(_ reply: FakeReply) -> String {
        #"{"input_tokens":\#(reply.promptTokens),"input_tokens_details":{"cached_tokens":0},"output_tokens":\#(reply.completionTokens),"output_tokens_details":{"reasoning_tokens":0},"total_tokens":\#(reply.totalTokens)}"#
    }

    private static func outputItems(_ envelope: Envelope, reply: FakeReply) -> [String] {
        if let call = reply.toolCall { return [functionCallItem(callItemID(envelope.id), call: call, arguments: call.arguments, status: "completed")] }
        return [messageItem(messageID(envelope.id), text: reply.text)]
    }

    private static func responseObject(_ envelope: Envelope, status: String, output: [String], usage: String) -> String {
        let incomplete = status == "incomplete" ? #"{"reason":"max_output_tokens"}"# : "null"
        return #"{"id":\#(JSONText.string(envelope.id)),"object":"response","created_at":\#(OpenAIWire.created),"status":"\#(status)","background":false,"error":null,"incomplete_details":\#(incomplete),"instructions":null,"max_output_tokens":null,"model":\#(JSONText.string(envelope.model)),"output":[\#(output.joined(separator: ","))],"parallel_tool_calls":true,"previous_response_id":\#(JSONText.stringOrNull(envelope.previousResponseID)),"reasoning":{"effort":null,"summary":null},"store":\#(envelope.store),"temperature":1.0,"text":{"format":{"type":"text"}},"tool_choice":"auto","tools":[],"top_p":1.0,"truncation":"disabled","usage":\#(usage),"user":null,"metadata":{}}"#
    }

    private static func textPart(_ text: String) -> String {
        #"{"type":"output_text","annotations":[],"logprobs":[],"text":\#(JSONText.string(text))}"#
    }

    private static func messageItem(_ id: String, text: String) -> String {
        #"{"id":\#(JSONText.string(id)),"type":"message","status":"completed","content":[\#(textPart(text))],"role":"assistant"}"#
    }

    private static func functionCallItem(_ id: String, call: FakeReply.ToolCall, arguments: String, status: String) -> String {
        #"{"id":\#(JSONText.string(id)),"type":"function_call","status":"\#(status)","arguments":\#(JSONText.string(arguments)),"call_id":\#(JSONText.string(call.id)),"name":\#(JSONText.string(call.name))}"#
    }

    /// OpenAI's refusal of a `previous_response_id` it does not hold (or no longer stores).
    static func previousResponseNotFound(_ id: String) -> String {
        OpenAIWire.errorBody(
            message: "Previous response with id '\(id)' not found.", type: "invalid_request_error", param: "previous_response_id",
            code: "previous_response_not_found")
    }
}
