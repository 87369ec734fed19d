import Foundation

/// Google Gemini API wire text (`generativelanguage.googleapis.com/v1beta`), written by hand.
///
/// Shapes follow Google's published reference and examples
/// (https://ai.google.dev/api/generate-content: `GenerateContentResponse` with `candidates`,
/// `usageMetadata`, `modelVersion`, `responseId`; https://ai.google.dev/api/embeddings;
/// https://ai.google.dev/gemini-api/docs/troubleshooting for the `google.rpc.Status` errors):
/// plain answers are indented JSON (two spaces), stream events are
/// `data: <compact GenerateContentResponse>\r\n\r\n` with the new parts only, no end sentinel,
/// the last one carrying `finishReason` and the full `usageMetadata`.
enum GeminiWire {
    static func responseID(_ sequence: Int) -> String { "fake-gemini-" + FakeIDs.padded(sequence) }

    // MARK: generateContent

    static func usage(_ reply: FakeReply, completion: Int? = nil) -> String {
        let output = completion ?? reply.completionTokens
        var fields = #""promptTokenCount":\#(reply.promptTokens)"#
        if output > 0 { fields += #","candidatesTokenCount":\#(output)"# }
        return #"{\#(fields),"totalTokenCount":\#(reply.promptTokens + output),"promptTokensDetails":[{"modality":"TEXT","tokenCount":\#(reply.promptTokens)}]}"#
    }

    private static func functionCallPart(_ call: FakeReply.ToolCall) -> String {
        #"{"functionCall":{"name":\#(JSONText.string(call.name)),"args":\#(call.arguments)}}"#
    }

    private static func finishReason(_ reply: FakeReply) -> String {
        // Gemini finishes a function call with STOP too.
        reply.finish == .length ? "MAX_TOKENS" : "STOP"
    }

    private static func envelope(_ candidates: String, usage: String, model: String, id: String) -> String {
        #"{"candidates":[\#(candidates)],"usageMetadata":\#(usage),"modelVersion":\#(JSONText.string(model)),"responseId":\#(JSONText.string(id))}"#
    }

    /// A complete `generateContent` answer.
    static func response(model: String, id: String, reply: FakeReply) -> String {
        var parts: [String] = []
        if !reply.textPieces.isEmpty || reply.toolCall == nil { parts.append(#"{"text":\#(JSONText.string(reply.text))}"#) }
        if let call = reply.toolCall { parts.append(functionCallPart(call)) }
        let candidate = #"{"content":{"parts":[\#(parts.joined(separator: ","))],"role":"model"},"finishReason":"\#(finishReason(reply))","avgLogprobs":-0.0512,"index":0}"#
        return JSONPrettyPrinter.indent(envelope(candidate, usage: usage(reply), model: model, id: id), by: 2)
    }

    static func event(_ json: String) -> String { "data: " + json + "\r\n\r\n" }

    /// The events of `streamGenerateContent?alt=sse`: one per word, the function call in one
    /// piece (Gemini never splits its arguments), the last with `finishReason` and usage.
    static func streamEvents(model: String, id: String, reply: FakeReply) -> [String] {
        streamResponses(model: model, id: id, reply: reply).map(event)
    }

    /// The `GenerateContentResponse`s of a stream, compact.
    static func streamResponses(model: String, id: String, reply: FakeReply) -> [String] {
        var parts = reply.textPieces.map { #"{"text":\#(JSONText.string($0))}"# }
        if let call = reply.toolCall { parts.append(functionCallPart(call)) }
        if parts.isEmpty { parts = [#"{"text":""}"#] }
        let running = #"{"promptTokenCount":\#(reply.promptTokens),"totalTokenCount":\#(reply.promptTokens),"promptTokensDetails":[{"modality":"TEXT","tokenCount":\#(reply.promptTokens)}]}"#
        return parts.enumerated().map { index, part in
            let last = index == parts.count - 1
            let finish = last ? #","finishReason":"\#(finishReason(reply))""# : ""
            let candidate = #"{"content":{"parts":[\#(part)],"role":"model"}\#(finish),"index":0}"#
            return envelope(candidate, usage: last ? usage(reply) : running, model: model, id: id)
        }
    }

    /// A JSON array of the same responses: what `streamGenerateContent` sends without `alt=sse`.
    static func streamArray(model: String, id: String, reply: FakeReply) -> String {
        "[" + streamResponses(model: model, id: id, reply: reply).joined(separator: ",\r\n") + "]"
    }

    // MARK: Safety blocks

    static let blockedRatings = #"[{"category":"HARM_CATEGORY_SEXUALLY_EXPLICIT","probability":"NEGLIGIBLE"},{"category":"HARM_CATEGORY_HATE_SPEECH","probability":"NEGLIGIBLE"},{"category":"HARM_CATEGORY_HARASSMENT","probability":"NEGLIGIBLE"},{"category":"HARM_CATEGORY_DANGEROUS_CONTENT","probability":"HIGH","blocked":true}]"#

    /// The prompt was blocked: no candidates, `promptFeedback.blockReason`.
    static func promptBlocked(model: String, id: String, reply: FakeReply) -> String {
        #"{"promptFeedback":{"blockReason":"SAFETY","safetyRatings":\#(blockedRatings)},"usageMetadata":\#(usage(reply, completion: 0)),"modelVersion":\#(JSONText.string(model)),"responseId":\#(JSONText.string(id))}"#
    }

    /// A candidate cut by the safety filter: no content, `finishReason: SAFETY`.
    static func answerBlocked(model: String, id: String, reply: FakeReply, completion: Int) -> String {
        envelope(#"{"finishReason":"SAFETY","index":0,"safetyRatings":\#(blockedRatings)}"#, usage: usage(reply, completion: completion), model: model, id: id)
    }

    // MARK: Embeddings

    static func embedding(_ vector: [Float]) -> String {
        #"{"values":\#(EmbeddingVectors.render(vector, base64: false))}"#
    }

    // MARK: Errors

    /// A `google.rpc.Status` error body as Google prints it (indented).
    static func errorBody(code: Int, message: String, status: String, details: [String] = []) -> String {
        let detailText = details.isEmpty ? "" : #","details":[\#(details.joined(separator: ","))]"#
        return JSONPrettyPrinter.indent(#"{"error":{"code":\#(code),"message":\#(JSONText.string(message)),"status":"\#(status)"\#(detailText)}}"#, by: 2)
    }

    static func error(_ error: FakeVendorError) -> RenderedResponse {
        switch error {
        case .missingAPIKey:
            return RenderedResponse(status: 403, headers: [], body: errorBody(
                code: 403,
                message: "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
                status: "PERMISSION_DENIED"))
        case .invalidAPIKey:
            // Gemini answers a wrong key with 400, not 401.
            return RenderedResponse(status: 400, headers: [], body: errorBody(
                code: 400, message: "API key not valid. Please pass a valid API key.", status: "INVALID_ARGUMENT",
                details: [
                    #"{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID","domain":"googleapis.com","metadata":{"service":"generativelanguage.googleapis.com"}}"#,
                    #"{"@type":"type.googleapis.com/google.rpc.LocalizedMessage","locale":"en-US","message":"API key not valid. Please pass a valid API key."}"#,
                ]))
        case .rateLimited(let seconds):
            // No retry-after header: the wait is in the body's RetryInfo.
            var details = [#"{"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaMetric":"generativelanguage.googleapis.com/generate_content_free_tier_requests","quotaId":"GenerateRequestsPerMinutePerProjectPerModel-FreeTier","quotaDimensions":{"location":"global","model":"gemini-2.0-flash"},"quotaValue":"15"}]}"#]
            if let seconds { details.append(#"{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"\#(seconds)s"}"#) }
            return RenderedResponse(status: 429, headers: [], body: errorBody(
                code: 429,
                message: "You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.",
                status: "RESOURCE_EXHAUSTED", details: details))
        case .serverError:
            return RenderedResponse(status: 500, headers: [], body: errorBody(
                code: 500, message: "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting",
                status: "INTERNAL"))
        case .overloaded:
            return RenderedResponse(status: 503, headers: [], body: errorBody(
                code: 503, message: "The model is overloaded. Please try again later.", status: "UNAVAILABLE"))
        case .contextLengthExceeded:
            return RenderedResponse(status: 400, headers: [], body: errorBody(
                code: 400, message: "The input token count (1048577) exceeds the maximum number of tokens allowed (1048576).", status: "INVALID_ARGUMENT"))
        case .badRequest(let message):
            return RenderedResponse(status: 400, headers: [], body: errorBody(code: 400, message: message, status: "INVALID_ARGUMENT"))
        case .notFound(let message):
            return RenderedResponse(status: 404, headers: [], body: errorBody(code: 404, message: message, status: "NOT_FOUND"))
        }
    }

    static func successHeaders(sequence: Int) -> [(String, String)] {
        [("server", "scaffolding on HTTPServer2"), ("server-timing", "gfet4t7; dur=\(100 + sequence % 900)"), ("x-content-type-options", "nosniff")]
    }
}
