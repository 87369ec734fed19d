import Foundation
import Hummingbird
import NIOCore

/// One admitted request and everything needed to answer it in its vendor's dialect.
struct FakeExchange: Sendable {
    var route: FakeRoute
    var dialect: WireDialect
    var inspected: InspectedRequest
    var sequence: Int
    var presentedKey: String?
    var apiVersion: String?
    var channel: any Channel
    /// Responses API: how many stored turns precede this request (`previous_response_id`).
    var priorTurns = 0

    // MARK: Behaviours

    /// Answers according to `behaviour`.
    func answer(with behaviour: FakeBehaviour, models: [String]) async throws -> Response {
        if let streamed = try await bedrockStream(with: behaviour) { return streamed }
        switch behaviour {
        case .normal:
            return send(plannedAnswer(models: models), gapMilliseconds: 0, cutAfterEvents: nil)
        case .status(let code, let body, let headers):
            return .document(status: code, contentType: "application/json", headers: Self.ordered(headers), body: body)
        case .vendorError(let error, let headers):
            return errorResponse(error, extraHeaders: Self.ordered(headers))
        case .delay(let milliseconds, let then):
            try await ConnectionCut.pause(milliseconds: milliseconds, channel: channel)
            return try await answer(with: then, models: models)
        case .hang:
            throw await ConnectionCut.hang(channel: channel)
        case .disconnectMidStream(let events):
            return send(plannedAnswer(models: models), gapMilliseconds: 0, cutAfterEvents: max(0, events))
        case .slowStream(let gap):
            return send(plannedAnswer(models: models), gapMilliseconds: gap, cutAfterEvents: nil)
        case .stallMidStream(let events, let gap):
            guard case .stream(let headers, let planned) = plannedAnswer(models: models) else {
                return send(plannedAnswer(models: models), gapMilliseconds: 0, cutAfterEvents: nil)
            }
            return Self.streamResponse(headers: headers, events: planned, channel: channel) { index in
                index == events ? .pause(gap) : .write
            }
        case .garbage:
            return garbage()
        case .safetyBlock(let afterEvents):
            return safetyBlock(afterEvents: afterEvents)
        case .corruptStreamChecksum(let afterEvents), .streamException(let afterEvents, _, _):
            // Only Bedrock's framing has checksums and exception frames: elsewhere, a cut stream.
            return send(plannedAnswer(models: models), gapMilliseconds: 0, cutAfterEvents: max(0, afterEvents))
        case .rawStream(let chunks):
            return Self.streamResponse(headers: successHeaders(inputTokens: 0, outputTokens: 0), events: chunks, channel: channel) { _ in .write }
        }
    }

    /// Extra headers from a test, in a stable order.
    private static func ordered(_ headers: [String: String]) -> [(String, String)] {
        headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    // MARK: Sending

    /// Sends a planned answer, optionally pausing between SSE events or cutting the connection
    /// after `cutAfterEvents` of them (for a document: after half of its bytes).
    func send(_ planned: PlannedAnswer, gapMilliseconds: Int, cutAfterEvents: Int?) -> Response {
        let channel = self.channel
        switch planned {
        case .document(let rendered):
            guard cutAfterEvents != nil else {
                return .document(status: rendered.status, contentType: "application/json", headers: rendered.headers, body: rendered.body)
            }
            var fields = HTTPFields(pairs: rendered.headers)
            fields[.contentType] = "application/json"
            let bytes = Array(rendered.body.utf8)
            let half = ByteBuffer(bytes: bytes.prefix(bytes.count / 2))
            // The announced length is the full one, so the client knows the body was cut.
            return Response(
                status: HTTPResponse.Status(code: rendered.status),
                headers: fields,
                body: ResponseBody(contentLength: bytes.count) { writer in
                    try await writer.write(half)
                    throw await ConnectionCut.cut(channel)
                }
            )
        case .stream(let headers, let events):
            return Self.streamResponse(headers: headers, events: events, channel: channel) { index in
                // A real vendor dies a moment after its last event: pause so the events sent
                // so far reach the client as their own reads before the connection drops.
                if let cutAfterEvents, index >= cutAfterEvents { return .pauseThenCut(100) }
                return index > 0 && gapMilliseconds > 0 ? .pause(gapMilliseconds) : .write
            }
        }
    }

    /// What to do before writing event number `index` (or, with `index == events.count`, before
    /// finishing the stream).
    enum StreamStep: Sendable {
        case write
        case pause(Int)
        case cut
        case pauseThenCut(Int)
    }

    /// An SSE response written event by event as separate HTTP chunks, the way vendors flush.
    static func streamResponse(
        headers: [(String, String)],
        events: [String],
        channel: any Channel,
        step: @escaping @Sendable (Int) -> StreamStep
    ) -> Response {
        var fields = HTTPFields(pairs: headers)
        fields[.contentType] = "text/event-stream; charset=utf-8"
        fields[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: fields, body: ResponseBody { writer in
            for index in 0...events.count {
                switch step(index) {
                case .cut:
                    throw await ConnectionCut.cut(channel)
                case .pauseThenCut(let milliseconds):
                    try await ConnectionCut.pause(milliseconds: milliseconds, channel: channel)
                    throw await ConnectionCut.cut(channel)
                case .pause(let milliseconds):
                    try await ConnectionCut.pause(milliseconds: milliseconds, channel: channel)
                case .write:
                    break
                }
                if index < events.count {
                    try await writer.write(ByteBuffer(string: events[index]))
                }
            }
            try await writer.finish(nil)
        })
    }

    // MARK: Errors

    func errorResponse(_ error: FakeVendorError, extraHeaders: [(String, String)] = []) -> Response {
        let rendered = renderError(error, extraHeaders: extraHeaders)
        return .document(status: rendered.status, contentType: "application/json", headers: rendered.headers, body: rendered.body)
    }

    /// The vendor's error in this exchange's dialect, with its request-id header.
    func renderError(_ error: FakeVendorError, extraHeaders: [(String, String)]) -> RenderedResponse {
        var rendered: RenderedResponse
        switch dialect {
        case .openAI:
            rendered = OpenAIWire.error(error, presentedKey: presentedKey, model: inspected.model)
            rendered.headers.append(("x-request-id", "req_fake" + FakeIDs.padded(sequence)))
        case .azure:
            rendered = AzureWire.error(error, apiVersion: apiVersion)
            rendered.headers.append(("apim-request-id", "fake-azure-" + FakeIDs.padded(sequence)))
        case .anthropic:
            rendered = AnthropicWire.error(error, now: Date())
            rendered.headers.append(("request-id", "req_fake" + FakeIDs.padded(sequence)))
        case .gemini:
            rendered = GeminiWire.error(error)
            rendered.headers.append(("server", "scaffolding on HTTPServer2"))
        case .bedrock:
            let (status, type, message) = BedrockWire.error(error)
            rendered = BedrockWire.errorResponse(status: status, type: type, message: message, sequence: sequence)
        }
        rendered.headers.append(contentsOf: extraHeaders)
        return rendered
    }

    /// Rate-limit and request-id headers of a successful answer.
    func successHeaders(inputTokens: Int, outputTokens: Int) -> [(String, String)] {
        switch dialect {
        case .openAI: OpenAIWire.successHeaders(sequence: sequence, tokens: inputTokens + outputTokens)
        case .azure: AzureWire.successHeaders(sequence: sequence, tokens: inputTokens + outputTokens)
        case .anthropic:
            AnthropicWire.successHeaders(sequence: sequence, inputTokens: inputTokens, outputTokens: outputTokens, now: Date())
        case .gemini: GeminiWire.successHeaders(sequence: sequence)
        case .bedrock: [("x-amzn-RequestId", BedrockWire.requestID(sequence))]
        }
    }

    // MARK: Garbage

    /// `200` whose body cannot be decoded: an HTML error page labelled JSON, or SSE frames with
    /// broken JSON that end without the stream's terminator.
    func garbage() -> Response {
        let headers = successHeaders(inputTokens: 0, outputTokens: 0)
        guard inspected.wantsStream else {
            return .document(
                status: 200, contentType: "application/json", headers: headers,
                body: "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>\n"
            )
        }
        let events: [String]
        switch dialect {
        case .openAI, .azure:
            events = [
                #"data: {"id":"chatcmpl-garbage","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"#
                    + "\n\n",
                "data: this is not json\n\n",
            ]
        case .anthropic:
            events = [
                "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\n\n",
                "event: content_block_delta\ndata: this is not json\n\n",
            ]
        case .bedrock:
            events = []  // a Bedrock stream's garbage is binary (`bedrockStream`)
        case .gemini:
            events = [GeminiWire.event(#"{"candidates": [{"content": {"parts": [{"text": "Hel"#), GeminiWire.event("this is not json")]
        }
        return Self.streamResponse(headers: headers, events: events, channel: channel) { _ in .write }
    }
}
