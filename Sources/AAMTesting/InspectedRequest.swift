/// A request body read according to its route, with the rejection the vendor would give if
/// the body is unacceptable.
struct InspectedRequest: Sendable {
    var chat: ChatRequestSummary?
    var embeddings: EmbeddingsRequestSummary?
    /// A Responses API request (its chat facts are in `chat`).
    var responses: ResponsesRequestSummary?
    /// The body's `model`, or the Azure deployment (Azure routes by URL, not body).
    var model: String?
    /// Set when the real vendor would answer 400 to this body.
    var rejection: FakeVendorError?

    static let openAIUnparsable = "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please visit https://platform.openai.com/docs/guides/error-codes/api-errors.)"

    init(route: FakeRoute, body: [UInt8]) {
        switch route {
        case .openAIChat, .azureChat:
            do {
                let chat = try ChatRequestSummary.openAI(body)
                self.chat = chat
                if case .azureChat(let deployment) = route {
                    self.model = deployment
                } else {
                    self.model = chat.model
                    if chat.model == nil { self.rejection = .badRequest(message: "you must provide a model parameter") }
                }
            } catch {
                if case .azureChat(let deployment) = route { self.model = deployment }
                self.rejection = .badRequest(message: Self.openAIUnparsable)
            }
        case .anthropicMessages:
            do {
                let chat = try ChatRequestSummary.anthropic(body)
                self.chat = chat
                self.model = chat.model
                self.rejection = chat.anthropicProblem.map { .badRequest(message: $0) }
            } catch {
                self.rejection = .badRequest(message: "There was an issue with the format or content of your request.")
            }
        case .openAIResponses, .azureResponses:
            do {
                let responses = try ResponsesRequestSummary.parse(body)
                self.responses = responses
                self.chat = responses.chat
                self.model = responses.chat.model
                if responses.chat.model == nil { self.rejection = .badRequest(message: "Missing required parameter: 'model'.") }
            } catch {
                self.rejection = .badRequest(message: Self.openAIUnparsable)
            }
        case .openAIEmbeddings, .azureEmbeddings:
            do {
                let embeddings = try EmbeddingsRequestSummary.parse(body)
                self.embeddings = embeddings
                if case .azureEmbeddings(let deployment) = route {
                    self.model = deployment
                } else {
                    self.model = embeddings.model
                }
                if embeddings.inputs.isEmpty {
                    self.rejection = .badRequest(message: "'input' is a required property")
                }
            } catch {
                if case .azureEmbeddings(let deployment) = route { self.model = deployment }
                self.rejection = .badRequest(message: Self.openAIUnparsable)
            }
        case .geminiGenerate(let model, let stream, _):
            self.model = model
            switch GeminiRequestCheck.chat(body, model: model, stream: stream) {
            case .accepted(let chat): self.chat = chat
            case .refused(let rejection): self.rejection = rejection
            }
        case .geminiEmbed(let model, let batch):
            self.model = model
            switch GeminiRequestCheck.embeddings(body, model: model, batch: batch) {
            case .accepted(let embeddings): self.embeddings = embeddings
            case .refused(let rejection): self.rejection = rejection
            }
        case .bedrockConverse(let model, let stream):
            self.model = model
            switch BedrockRequestCheck.chat(body, model: model, stream: stream) {
            case .accepted(let chat): self.chat = chat
            case .refused(let rejection): self.rejection = rejection
            }
        case .models, .azureUnknown, .geminiUnknown, .bedrockUnknown, .unknown:
            break
        }
    }

    /// Whether the client asked for a streamed answer.
    var wantsStream: Bool { chat?.stream ?? false }
}
