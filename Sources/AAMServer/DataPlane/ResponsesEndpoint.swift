import AAMCore
import AAMProviders
import Hummingbird

/// `POST /v1/responses`: the OpenAI Responses API, translated to a chat-completions call at the
/// door (`ResponsesRequestTranslator`) and back at the end (`ChatToResponsesAnswer`,
/// `ChatToResponsesStream`).
///
/// Everything between runs on the chat body exactly as for `/v1/chat/completions` (one
/// pipeline, the chat bridges to every vendor, request and response guardrails with the stream
/// hold-back, token estimates and caps), so no control can see less of a Responses call than of
/// a chat call. Only the record's endpoint and the client's wire format differ.
struct ResponsesEndpoint: ModelCallEndpoint {
    let runtime: GatewayRuntime

    var shape: ErrorShape { .openAI }
    var path: String { "/v1/responses" }
    var acceptsXAPIKey: Bool { false }

    /// The chat endpoint whose reading, screening and upstream requests this one reuses.
    private var chat: ChatEndpoint { ChatEndpoint(runtime: runtime, wire: .openAIChat) }

    func handle(_ request: Request, context: GatewayContext) async -> Response {
        await ModelCallPipeline(endpoint: self).handle(request, context: context)
    }

    func read(_ body: [UInt8]) throws(GatewayError) -> ResponsesInbound {
        let (scan, _) = try RequestPreamble.read(body)
        try Self.checkOutputCap(scan, body: body)
        let chatBody: [UInt8]
        do {
            chatBody = try ResponsesRequestTranslator.chatBody(body)
        } catch {
            throw .invalidRequest(error.message, param: error.param)
        }
        return ResponsesInbound(
            chat: try chat.read(chatBody), responseID: ResponseObject.newID(),
            createdAt: Int(runtime.clock.now().timeIntervalSince1970), echo: ResponsesEcho.from(body))
    }

    /// `max_output_tokens` is bounded like chat's caps, and a 400 names it (not the chat field
    /// it becomes): it feeds budgets and limits.
    static func checkOutputCap(_ scan: JSONObjectScanner, body: [UInt8]) throws(GatewayError) {
        let name = "max_output_tokens"
        switch scan.integer(name, in: body) {
        case .value(let value) where value > RequestBounds.maxOutputTokens:
            throw .invalidRequest(
                "Invalid '\(name)': integer above maximum value. Expected a value <= \(RequestBounds.maxOutputTokens), but got \(value) instead.",
                param: name, code: .integerAboveMaxValue)
        case .value(let value) where value < 0:
            throw .invalidRequest("Invalid '\(name)': integer below minimum value. Expected a value >= 0, but got \(value) instead.", param: name, code: .integerBelowMinValue)
        case .wrongType where scan.member(name)?.kind != .null:
            throw .invalidRequest("Invalid type for '\(name)': expected a non-negative integer.", param: name, code: .invalidType)
        case .value, .absent, .wrongType: return
        }
    }

    func screen(_ inbound: ResponsesInbound, with engine: GuardrailEngine, trace: CallTrace) throws(GatewayError) -> ResponsesInbound {
        var screened = inbound
        screened.chat = try chat.screen(inbound.chat, with: engine, trace: trace)
        return screened
    }

    /// Every vendor serves chat, so every vendor serves a translated Responses call.
    func serves(_ provider: ProviderConfig) -> Bool { true }

    func unservable(alias: String) -> GatewayError? { nil }

    func upstreamRequest(
        _ inbound: ResponsesInbound, deployment: Deployment, provider: ProviderConfig, clientHeaders: [(String, String)], timeoutMs: Int
    ) throws(GatewayError) -> UpstreamRequest {
        try chat.upstreamRequest(inbound.chat, deployment: deployment, provider: provider, clientHeaders: clientHeaders, timeoutMs: timeoutMs)
    }

    func relay(
        _ response: UpstreamResponse, inbound: ResponsesInbound, deployment: Deployment, provider: ProviderConfig, call: RelayCall
    ) async throws -> Response? {
        var relay = ResponseRelay(
            runtime: runtime, inboundWire: .openAIChat, bridge: provider.wireProtocol.dialect.bridge(from: .openAIChat), inbound: inbound.chat,
            deployment: deployment, trace: call.trace, requestID: call.requestID, totalTimeoutMs: call.timeoutMs,
            guardrails: call.responseGuardrails)
        relay.responsesFront = ResponseObject(id: inbound.responseID, createdAt: inbound.createdAt, model: deployment.upstreamModel, echo: inbound.echo)
        return try await relay.relay(response, attemptStart: call.attemptStart)
    }
}

/// A Responses request as the pipeline carries it: the chat request it became, and what the
/// answer's `response` object needs from the original.
struct ResponsesInbound: ModelCallRequest {
    var chat: InboundRequest
    let responseID: String
    let createdAt: Int
    let echo: WireJSONObject

    var alias: String { chat.alias }
    var body: [UInt8] { chat.body }
    var streamed: Bool { chat.stream }
    func outputCap(_ runtime: GatewayRuntime) -> Int? { chat.outputCap(runtime) }
}
