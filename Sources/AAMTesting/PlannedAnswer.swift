/// The normal answer to a request, rendered but not yet sent, so behaviours can reshape how it
/// goes out (cut it short, slow it down).
enum PlannedAnswer: Sendable {
    /// A complete JSON document.
    case document(RenderedResponse)
    /// Response headers and the SSE frames of a stream, each a complete event.
    case stream(headers: [(String, String)], events: [String])
}

extension FakeExchange {
    /// Renders the vendor's normal answer for this exchange (or its 400 when the body was
    /// rejected).
    func plannedAnswer(models: [String]) -> PlannedAnswer {
        if let rejection = inspected.rejection {
            return .document(renderError(rejection, extraHeaders: []))
        }
        switch route {
        case .openAIChat, .azureChat, .anthropicMessages:
            return chatAnswer()
        case .geminiGenerate(_, _, let sse):
            return geminiAnswer(sse: sse)
        case .geminiEmbed(_, let batch):
            return geminiEmbeddings(batch: batch)
        case .bedrockConverse:
            // A stream is written as binary frames by `bedrockStream`; this is the plain answer.
            let reply = geminiReply()
            return .document(RenderedResponse(
                status: 200, headers: successHeaders(inputTokens: reply.promptTokens, outputTokens: reply.completionTokens),
                body: BedrockWire.response(reply: reply, sequence: sequence)))
        case .openAIEmbeddings, .azureEmbeddings:
            return embeddingsAnswer()
        case .openAIResponses, .azureResponses:
            return responsesAnswer()
        case .models:
            let body = dialect == .anthropic ? AnthropicWire.models(models) : OpenAIWire.models(models)
            return .document(RenderedResponse(status: 200, headers: successHeaders(inputTokens: 0, outputTokens: 0), body: body))
        case .azureUnknown, .geminiUnknown, .bedrockUnknown, .unknown:
            return .document(renderError(.notFound(message: "Resource not found"), extraHeaders: []))
        }
    }

    private func chatAnswer() -> PlannedAnswer {
        let chat = inspected.chat ?? ChatRequestSummary(
            model: nil, stream: false, includeUsage: false, firstToolName: nil, lastUserText: "",
            endsWithUserTurn: false, promptBytes: 0, maxTokens: nil, anthropicProblem: nil
        )
        let model = inspected.model ?? "unknown"
        let reply = FakeReply.make(
            vendor: vendorLabel, model: model, request: chat, sequence: sequence,
            preambleBeforeToolCall: dialect == .anthropic
        )
        let headers = successHeaders(inputTokens: reply.promptTokens, outputTokens: reply.completionTokens)
        let id = dialect == .anthropic ? AnthropicWire.messageID(sequence) : "chatcmpl-fake" + FakeIDs.padded(sequence)
        switch (dialect, chat.stream) {
        case (.openAI, false):
            return .document(RenderedResponse(status: 200, headers: headers, body: OpenAIWire.completion(id: id, model: model, reply: reply)))
        case (.openAI, true):
            return .stream(headers: headers, events: OpenAIWire.streamEvents(id: id, model: model, reply: reply, includeUsage: chat.includeUsage))
        case (.azure, false):
            return .document(RenderedResponse(status: 200, headers: headers, body: AzureWire.completion(id: id, model: model, reply: reply)))
        case (.azure, true):
            return .stream(headers: headers, events: AzureWire.streamEvents(id: id, model: model, reply: reply, includeUsage: chat.includeUsage))
        case (.anthropic, false):
            return .document(RenderedResponse(status: 200, headers: headers, body: AnthropicWire.message(id: id, model: model, reply: reply)))
        case (.anthropic, true):
            return .stream(headers: headers, events: AnthropicWire.streamEvents(id: id, model: model, reply: reply))
        case (.gemini, _):
            return geminiAnswer(sse: true)
        case (.bedrock, _):
            let reply = geminiReply()
            return .document(RenderedResponse(status: 200, headers: headers, body: BedrockWire.response(reply: reply, sequence: sequence)))
        }
    }

    /// The request's reply as Gemini puts it.
    func geminiReply() -> FakeReply {
        let chat = inspected.chat ?? ChatRequestSummary(
            model: nil, stream: false, includeUsage: false, firstToolName: nil, lastUserText: "",
            endsWithUserTurn: false, promptBytes: 0, maxTokens: nil, anthropicProblem: nil
        )
        return FakeReply.make(vendor: vendorLabel, model: inspected.model ?? "unknown", request: chat, sequence: sequence, preambleBeforeToolCall: false)
    }

    private func geminiAnswer(sse: Bool) -> PlannedAnswer {
        let model = inspected.model ?? "unknown"
        let reply = geminiReply()
        let id = GeminiWire.responseID(sequence)
        let headers = successHeaders(inputTokens: reply.promptTokens, outputTokens: reply.completionTokens)
        guard inspected.wantsStream else {
            return .document(RenderedResponse(status: 200, headers: headers, body: GeminiWire.response(model: model, id: id, reply: reply)))
        }
        guard sse else {
            return .document(RenderedResponse(status: 200, headers: headers, body: GeminiWire.streamArray(model: model, id: id, reply: reply)))
        }
        return .stream(headers: headers, events: GeminiWire.streamEvents(model: model, id: id, reply: reply))
    }

    private func geminiEmbeddings(batch: Bool) -> PlannedAnswer {
        let request = inspected.embeddings ?? EmbeddingsRequestSummary(model: nil, inputs: [], dimensions: nil, base64: false)
        let dimensions = max(1, request.dimensions ?? EmbeddingVectors.defaultDimensions)
        let vectors = request.inputs.map { GeminiWire.embedding(EmbeddingVectors.vector(for: $0, dimensions: dimensions)) }
        let body = batch ? #"{"embeddings":[\#(vectors.joined(separator: ","))]}"# : #"{"embedding":\#(vectors.first ?? "{}")}"#
        return .document(RenderedResponse(status: 200, headers: successHeaders(inputTokens: 0, outputTokens: 0), body: JSONPrettyPrinter.indent(body, by: 2)))
    }

    private func embeddingsAnswer() -> PlannedAnswer {
        let request = inspected.embeddings ?? EmbeddingsRequestSummary(model: nil, inputs: [], dimensions: nil, base64: false)
        let dimensions = max(1, request.dimensions ?? EmbeddingVectors.defaultDimensions)
        let vectors = request.inputs.map { EmbeddingVectors.vector(for: $0, dimensions: dimensions) }
        let tokens = request.inputs.reduce(0) { $0 + max(1, ($1.utf8.count + 3) / 4) }
        let body = OpenAIWire.embeddings(
            model: inspected.model ?? "text-embedding-3-small", vectors: vectors, base64: request.base64,
            promptTokens: tokens, pretty: dialect != .azure
        )
        return .document(RenderedResponse(status: 200, headers: successHeaders(inputTokens: tokens, outputTokens: 0), body: body))
    }

    /// A Responses API answer. A request continuing a stored response (`priorTurns` > 0)
    /// gets a reply that says which turn it is (`[turn 2] …`), so a test sees the history reach
    /// the vendor.
    private func responsesAnswer() -> PlannedAnswer {
        guard let request = inspected.responses else { return .document(renderError(.badRequest(message: InspectedRequest.openAIUnparsable), extraHeaders: [])) }
        var chat = request.chat
        if priorTurns > 0 { chat.lastUserText = "[turn \(priorTurns + 1)] " + chat.lastUserText }
        let model = inspected.model ?? "unknown"
        let reply = FakeReply.make(vendor: vendorLabel, model: model, request: chat, sequence: sequence, preambleBeforeToolCall: false)
        let headers = successHeaders(inputTokens: reply.promptTokens, outputTokens: reply.completionTokens)
        let envelope = ResponsesWire.Envelope(id: Self.responseID(sequence), model: model, previousResponseID: request.previousResponseID, store: request.store)
        guard chat.stream else { return .document(RenderedResponse(status: 200, headers: headers, body: ResponsesWire.response(envelope, reply: reply))) }
        return .stream(headers: headers, events: ResponsesWire.streamEvents(envelope, reply: reply))
    }

    /// The id of the response the fake makes for request `sequence`.
    static func responseID(_ sequence: Int) -> String { "resp_fake" + FakeIDs.padded(sequence) }

    /// How the reply text names its author, e.g. "Hello from fake-openai model gpt-4o: …".
    private var vendorLabel: String {
        switch dialect {
        case .openAI: "fake-openai model"
        case .azure: "fake-azure deployment"
        case .anthropic: "fake-anthropic model"
        case .gemini: "fake-gemini model"
        case .bedrock: "fake-bedrock model"
        }
    }
}
