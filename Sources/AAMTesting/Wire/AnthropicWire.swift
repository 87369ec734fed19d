import Foundation

/// Anthropic Messages API wire text, written by hand (compact JSON, Anthropic's key order).
enum AnthropicWire {
    static func messageID(_ sequence: Int) -> String { "msg_fake" + FakeIDs.padded(sequence) }

    static func message(id: String, model: String, reply: FakeReply) -> String {
        #"{"id":\#(JSONText.string(id)),"type":"message","role":"assistant","model":\#(JSONText.string(model)),"content":[\#(contentBlocks(reply).joined(separator: ","))],"stop_reason":"\#(reply.finish.anthropic)","stop_sequence":null,"usage":{"input_tokens":\#(reply.promptTokens),"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":\#(reply.completionTokens),"service_tier":"standard"}}"#
    }

    private static func contentBlocks(_ reply: FakeReply) -> [String] {
        var blocks: [String] = []
        if !reply.textPieces.isEmpty || reply.toolCall == nil {
            blocks.append(#"{"type":"text","text":\#(JSONText.string(reply.text))}"#)
        }
        if let call = reply.toolCall {
            // `input` is the parsed arguments object; the fragments join to valid JSON.
            blocks.append(#"{"type":"tool_use","id":\#(JSONText.string(call.id)),"name":\#(JSONText.string(call.name)),"input":\#(call.arguments)}"#)
        }
        return blocks
    }

    /// The full event sequence of a streamed message, each a complete `event: …\ndata: …\n\n`
    /// frame: message_start, per block content_block_start / deltas / content_block_stop (with
    /// a ping after the first block start, where Anthropic sends it), message_delta with the
    /// stop reason and output usage, message_stop. Tool arguments begin with an empty
    /// `partial_json`, as Anthropic's do.
    static func streamEvents(id: String, model: String, reply: FakeReply) -> [String] {
        func event(_ name: String, _ data: String) -> String { "event: \(name)\ndata: \(data)\n\n" }

        var events = [event("message_start", #"{"type":"message_start","message":{"id":\#(JSONText.string(id)),"type":"message","role":"assistant","model":\#(JSONText.string(model)),"content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":\#(reply.promptTokens),"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1,"service_tier":"standard"}}}"#)]
        var index = 0
        if !reply.textPieces.isEmpty || reply.toolCall == nil {
            events.append(event("content_block_start", #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#))
            events.append(event("ping", #"{"type": "ping"}"#))
            for piece in reply.textPieces {
                events.append(event("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":\#(JSONText.string(piece))}}"#))
            }
            events.append(event("content_block_stop", #"{"type":"content_block_stop","index":0}"#))
            index = 1
        }
        if let call = reply.toolCall {
            events.append(event("content_block_start", #"{"type":"content_block_start","index":\#(index),"content_block":{"type":"tool_use","id":\#(JSONText.string(call.id)),"name":\#(JSONText.string(call.name)),"input":{}}}"#))
            if index == 0 { events.append(event("ping", #"{"type": "ping"}"#)) }
            for fragment in [""] + call.argumentFragments {
                events.append(event("content_block_delta", #"{"type":"content_block_delta","index":\#(index),"delta":{"type":"input_json_delta","partial_json":\#(JSONText.string(fragment))}}"#))
            }
            events.append(event("content_block_stop", #"{"type":"content_block_stop","index":\#(index)}"#))
        }
        events.append(event("message_delta", #"{"type":"message_delta","delta":{"stop_reason":"\#(reply.finish.anthropic)","stop_sequence":null},"usage":{"output_tokens":\#(reply.completionTokens)}}"#))
        events.append(event("message_stop", #"{"type":"message_stop"}"#))
        return events
    }

    static func models(_ ids: [String]) -> String {
        let items = ids.map { #"{"type":"model","id":\#(JSONText.string($0)),"display_name":\#(JSONText.string($0)),"created_at":"2025-01-01T00:00:00Z"}"# }
        return #"{"data":[\#(items.joined(separator: ","))],"has_more":false,"first_id":\#(JSONText.stringOrNull(ids.first)),"last_id":\#(JSONText.stringOrNull(ids.last))}"#
    }

    static func errorBody(type: String, message: String) -> String {
        #"{"type":"error","error":{"type":\#(JSONText.string(type)),"message":\#(JSONText.string(message))}}"#
    }

    static func error(_ error: FakeVendorError, now: Date) -> RenderedResponse {
        switch error {
        case .missingAPIKey:
            return RenderedResponse(status: 401, headers: [], body: errorBody(type: "authentication_error", message: "x-api-key header is required"))
        case .invalidAPIKey:
            return RenderedResponse(status: 401, headers: [], body: errorBody(type: "authentication_error", message: "invalid x-api-key"))
        case .rateLimited(let seconds):
            var headers = [
                ("anthropic-ratelimit-requests-limit", "4000"),
                ("anthropic-ratelimit-requests-remaining", "0"),
                ("anthropic-ratelimit-requests-reset", rfc3339(now.addingTimeInterval(Double(seconds ?? 1)))),
            ]
            if let seconds { headers.insert(("retry-after", String(seconds)), at: 0) }
            return RenderedResponse(status: 429, headers: headers, body: errorBody(type: "rate_limit_error", message: "This request would exceed the rate limit for your organization of 4,000 requests per minute. For details, refer to: https://docs.claude.com/en/api/rate-limits. You can see the response headers for current usage. Please reduce the prompt length or the maximum tokens requested, or try again later."))
        case .serverError:
            return RenderedResponse(status: 500, headers: [], body: errorBody(type: "api_error", message: "Internal server error"))
        case .overloaded:
            return RenderedResponse(status: 529, headers: [], body: errorBody(type: "overloaded_error", message: "Overloaded"))
        case .contextLengthExceeded:
            return RenderedResponse(status: 400, headers: [], body: errorBody(type: "invalid_request_error", message: "prompt is too long: 213456 tokens > 200000 maximum"))
        case .badRequest(let message):
            return RenderedResponse(status: 400, headers: [], body: errorBody(type: "invalid_request_error", message: message))
        case .notFound(let message):
            return RenderedResponse(status: 404, headers: [], body: errorBody(type: "not_found_error", message: message))
        }
    }

    /// Rate-limit and tracing headers Anthropic puts on every successful answer; resets are
    /// RFC 3339 instants, not durations (unlike OpenAI).
    static func successHeaders(sequence: Int, inputTokens: Int, outputTokens: Int, now: Date) -> [(String, String)] {
        let reset = rfc3339(now.addingTimeInterval(60))
        return [
            ("request-id", "req_fake" + FakeIDs.padded(sequence)),
            ("anthropic-organization-id", "00000000-0000-0000-0000-00000000fake"),
            ("anthropic-ratelimit-requests-limit", "4000"),
            ("anthropic-ratelimit-requests-remaining", String(max(0, 4000 - sequence))),
            ("anthropic-ratelimit-requests-reset", reset),
            ("anthropic-ratelimit-input-tokens-limit", "400000"),
            ("anthropic-ratelimit-input-tokens-remaining", String(max(0, 400_000 - inputTokens))),
            ("anthropic-ratelimit-input-tokens-reset", reset),
            ("anthropic-ratelimit-output-tokens-limit", "80000"),
            ("anthropic-ratelimit-output-tokens-remaining", String(max(0, 80000 - outputTokens))),
            ("anthropic-ratelimit-output-tokens-reset", reset),
            ("anthropic-ratelimit-tokens-limit", "480000"),
            ("anthropic-ratelimit-tokens-remaining", String(max(0, 480_000 - inputTokens - outputTokens))),
            ("anthropic-ratelimit-tokens-reset", reset),
        ]
    }

    static func rfc3339(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: false, timeZone: .gmt))
    }
}
