import Hummingbird

extension FakeExchange {
    /// ``FakeBehaviour/safetyBlock(afterEvents:)``: Gemini's own block forms; the other vendors
    /// answer Azure's content-filter refusal (their closest real equivalent).
    func safetyBlock(afterEvents: Int?) -> Response {
        guard dialect == .gemini else {
            return errorResponse(.badRequest(message: "The response was filtered due to the prompt triggering Azure OpenAI's content management policy."))
        }
        let model = inspected.model ?? "unknown"
        let id = GeminiWire.responseID(sequence)
        let reply = geminiReply()
        let headers = successHeaders(inputTokens: reply.promptTokens, outputTokens: 0)
        guard let afterEvents else {
            let body = GeminiWire.promptBlocked(model: model, id: id, reply: reply)
            return inspected.wantsStream
                ? Self.streamResponse(headers: headers, events: [GeminiWire.event(body)], channel: channel) { _ in .write }
                : .document(status: 200, contentType: "application/json; charset=UTF-8", headers: headers, body: JSONPrettyPrinter.indent(body, by: 2))
        }
        let blocked = GeminiWire.answerBlocked(model: model, id: id, reply: reply, completion: afterEvents)
        guard inspected.wantsStream else {
            return .document(status: 200, contentType: "application/json; charset=UTF-8", headers: headers, body: JSONPrettyPrinter.indent(blocked, by: 2))
        }
        // The normal events up to the cut, without the one that would finish the answer.
        let events = Array(GeminiWire.streamEvents(model: model, id: id, reply: reply).dropLast().prefix(afterEvents))
        return Self.streamResponse(headers: headers, events: events + [GeminiWire.event(blocked)], channel: channel) { _ in .write }
    }
}
