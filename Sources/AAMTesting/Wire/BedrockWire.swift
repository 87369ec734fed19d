import AAMProviders
import Foundation

/// Amazon Bedrock Runtime wire (Converse and ConverseStream), written by hand after AWS's
/// published reference (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html,
/// …/API_runtime_ConverseStream.html): a plain answer is `output.message.content`, `stopReason`,
/// `usage`, `metrics`; a stream is AWS event-stream frames (real prelude and message CRCs), one
/// per event, each payload carrying Bedrock's `p` padding; errors are `{"message":…}` with the
/// type in `x-amzn-ErrorType`.
enum BedrockWire {
    static let errorTypeNamespace = ":http://internal.amazon.com/coral/com.amazon.bedrock/"

    static func requestID(_ sequence: Int) -> String { "fa4e0000-0000-4000-8000-000000" + FakeIDs.padded(sequence) }

    static func toolUseID(_ sequence: Int) -> String { "tooluse_fake" + FakeIDs.padded(sequence) }

    private static func stopReason(_ reply: FakeReply) -> String {
        if reply.toolCall != nil { return "tool_use" }
        return reply.finish == .length ? "max_tokens" : "end_turn"
    }

    private static func usage(_ reply: FakeReply) -> String {
        #"{"inputTokens":\#(reply.promptTokens),"outputTokens":\#(reply.completionTokens),"totalTokens":\#(reply.totalTokens)}"#
    }

    /// A complete Converse answer.
    static func response(reply: FakeReply, sequence: Int) -> String {
        var content: [String] = []
        if !reply.textPieces.isEmpty || reply.toolCall == nil { content.append(#"{"text":\#(JSONText.string(reply.text))}"#) }
        if let call = reply.toolCall {
            content.append(#"{"toolUse":{"toolUseId":\#(JSONText.string(toolUseID(sequence))),"name":\#(JSONText.string(call.name)),"input":\#(call.arguments)}}"#)
        }
        return #"{"metrics":{"latencyMs":412},"output":{"message":{"content":[\#(content.joined(separator: ","))],"role":"assistant"}},"stopReason":"\#(stopReason(reply))","usage":\#(usage(reply))}"#
    }

    /// Bedrock pads each stream event with `p`, a run of letters whose length varies.
    private static func padding(_ index: Int) -> String {
        String("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456".prefix(4 + index % 30))
    }

    static func frame(_ eventType: String, _ payload: String) -> [UInt8] {
        EventStreamMessage(
            headers: [":event-type": eventType, ":content-type": "application/json", ":message-type": "event"],
            payload: Array(payload.utf8)
        ).encoded()
    }

    /// An in-band exception frame (`throttlingException`, `modelStreamErrorException`, …).
    static func exceptionFrame(_ type: String, message: String) -> [UInt8] {
        EventStreamMessage(
            headers: [":exception-type": type, ":content-type": "application/json", ":message-type": "exception"],
            payload: Array(#"{"message":\#(JSONText.string(message))}"#.utf8)
        ).encoded()
    }

    /// The frames of a ConverseStream answer: messageStart, a text delta per word (block 0), the
    /// tool call as its own block (start with id and name, the input in fragments), a stop per
    /// block, messageStop, then metadata with usage.
    static func streamFrames(reply: FakeReply, sequence: Int) -> [[UInt8]] {
        var events: [(String, String)] = [("messageStart", #"{"role":"assistant"}"#)]
        var index = 0
        if !reply.textPieces.isEmpty || reply.toolCall == nil {
            for piece in reply.textPieces.isEmpty ? [""] : reply.textPieces {
                events.append(("contentBlockDelta", #"{"contentBlockIndex":\#(index),"delta":{"text":\#(JSONText.string(piece))}}"#))
            }
            events.append(("contentBlockStop", #"{"contentBlockIndex":\#(index)}"#))
            index += 1
        }
        if let call = reply.toolCall {
            events.append(("contentBlockStart", #"{"contentBlockIndex":\#(index),"start":{"toolUse":{"name":\#(JSONText.string(call.name)),"toolUseId":\#(JSONText.string(toolUseID(sequence)))}}}"#))
            for fragment in call.argumentFragments {
                events.append(("contentBlockDelta", #"{"contentBlockIndex":\#(index),"delta":{"toolUse":{"input":\#(JSONText.string(fragment))}}}"#))
            }
            events.append(("contentBlockStop", #"{"contentBlockIndex":\#(index)}"#))
        }
        events.append(("messageStop", #"{"stopReason":"\#(stopReason(reply))"}"#))
        events.append(("metadata", #"{"metrics":{"latencyMs":388},"usage":\#(usage(reply))}"#))
        return events.enumerated().map { i, event in
            // `p` goes last, inside the payload object.
            frame(event.0, String(event.1.dropLast()) + #","p":"\#(padding(i))"}"#)
        }
    }

    /// The error's type and status as Bedrock answers it.
    static func error(_ error: FakeVendorError) -> (status: Int, type: String, message: String) {
        switch error {
        case .missingAPIKey: (403, "MissingAuthenticationTokenException", "Missing Authentication Token")
        case .invalidAPIKey: (403, "UnrecognizedClientException", "The security token included in the request is invalid.")
        case .rateLimited: (429, "ThrottlingException", "Too many requests, please wait before trying again.")
        case .serverError: (500, "InternalServerException", "The server encountered an internal error while processing the request.")
        case .overloaded: (503, "ServiceUnavailableException", "Bedrock is unable to process your request.")
        case .contextLengthExceeded: (400, "ValidationException", "Input is too long for requested model.")
        case .badRequest(let message): (400, "ValidationException", message)
        case .notFound(let message): (404, "ResourceNotFoundException", message)
        }
    }

    static func errorResponse(status: Int, type: String, message: String, sequence: Int) -> RenderedResponse {
        RenderedResponse(
            status: status,
            headers: [("x-amzn-ErrorType", type + errorTypeNamespace), ("x-amzn-RequestId", requestID(sequence))],
            body: #"{"message":\#(JSONText.string(message))}"#)
    }
}
