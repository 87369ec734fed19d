import AAMCore
import AAMProviders
import Hummingbird

/// `POST /v1/responses`: the OpenAI Responses API, two ways per deployment.
///
/// - To a provider that speaks the Responses API itself (`ProviderConfig.speaksResponsesAPI`:
///   OpenAI, Azure OpenAI, unless turned off) the body passes through byte-faithfully (only
///   `model` is replaced, and the texts a request guardrail redacts), and the answer comes
///   back as the vendor sent it, so stored responses and `previous_response_id` work as the
///   vendor provides them (`OpenAIResponsesPassthroughBridge`).
/// - To every other provider the call is translated to chat completions at the door
///   (`ResponsesRequestTranslator`) and back at the end (`ChatToResponsesAnswer`,
///   `ChatToResponsesStream`).
///
/// A request that needs server-side state (`previous_response_id`, `conversation`, `prompt`,
/// `background`) can only go to the first kind: the planner offers no other, and an alias
/// without one is a 400 naming the field and the alias, never a silent drop of history. A
/// request the translation cannot carry goes only to the first kind too. Everything else (keys,
/// policy, guardrails with the stream hold-back, budgets and limits, the record) is the shared
/// pipeline's, so no control sees less of a Responses call than of a chat call.
struct ResponsesEndpoint: ModelCallEndpoint {
    let runtime: GatewayRuntime

    var shape: ErrorShape { .openAI }
    var path: String { "/v1/responses" }
    var acceptsXAPIKey: Bool { false }

    /// The chat endpoint whose reading, screening and upstream requests a translated call reuses.
    private var chat: ChatEndpoint { ChatEndpoint(runtime: runtime, wire: .openAIChat) }

    func handle(_ request: Request, context: GatewayContext) async -> Response {
        await ModelCallPipeline(endpoint: self).handle(request, context: context)
    }

    func read(_ body: [UInt8]) throws(GatewayError) -> ResponsesInbound {
        try read(body, responseID: ResponseObject.newID(), createdAt: Int(runtime.clock.now().timeIntervalSince1970))
    }

    private func read(_ body: [UInt8], responseID: String, createdAt: Int) throws(GatewayError) -> ResponsesInbound {
        let (scan, alias) = try RequestPreamble.read(body)
        try Self.checkOutputCap(scan, body: body)
        let stream: Bool
        switch scan.bool("stream", in: body) {
        case .value(let value): stream = value
        case .absent: stream = false
        case .wrongType: throw .invalidRequest("Invalid type for 'stream': expected a boolean.", param: "stream", code: .invalidType)
        }
        let maxOutputTokens: Int? = if case .value(let cap) = scan.integer("max_output_tokens", in: body) { cap } else { nil }
        return ResponsesInbound(
            body: body, scan: scan, alias: alias, streamed: stream, maxOutputTokens: maxOutputTokens,
            statefulField: Self.statefulField(scan, body: body), translation: ResponsesTranslation(body),
            responseID: responseID, createdAt: createdAt, echo: ResponsesEcho.from(body))
    }

    /// The first field that needs the vendor's server-side state, if any.
    static func statefulField(_ scan: JSONObjectScanner, body: [UInt8]) -> String? {
        for name in ResponsesRequestTranslator.stateful.sorted() {
            if let member = scan.member(name), member.kind != .null { return name }
        }
        if case .value(true) = scan.bool("background", in: body) { return "background" }
        return nil
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

    /// Request guardrails on the Responses body itself (instructions, input items, function
    /// outputs), so a pass-through sends the redacted texts and nothing else changed; the
    /// translation is then made from the redacted body.
    func screen(_ inbound: ResponsesInbound, with engine: GuardrailEngine, trace: CallTrace) throws(GatewayError) -> ResponsesInbound {
        guard let result = GuardrailBodyFilter.apply(engine, to: inbound.body, wire: .openAIResponses, direction: .request) else {
            throw .invalidRequest("Request body is not valid JSON.", code: .invalidJSON)
        }
        trace.recordGuardrails(result.decisions, bus: runtime.bus)
        if let block = result.block { throw GuardrailBodyFilter.blockedError(block) }
        guard let body = result.body else { return inbound }
        return try read(body, responseID: inbound.responseID, createdAt: inbound.createdAt)
    }

    /// A provider with the Responses API serves any Responses call; the others only one the
    /// translation carries and that needs no server-side state.
    func serves(_ provider: ProviderConfig, _ inbound: ResponsesInbound) -> Bool {
        if provider.speaksResponsesAPI { return true }
        guard inbound.statefulField == nil, case .success = inbound.translation.result else { return false }
        return true
    }

    /// The 400 when no deployment of the alias can serve the call (asked only then): the field
    /// that needs state and the alias, or what the translation cannot carry.
    func unservable(_ inbound: ResponsesInbound) -> GatewayError? {
        if let field = inbound.statefulField {
            return .invalidRequest(
                "\(field): model '\(inbound.alias)' has no deployment that serves the Responses API natively; its routes translate the Responses API to a chat-completions upstream and cannot keep server-side state; send the whole conversation in 'input' instead",
                param: field)
        }
        if case .failure(let error) = inbound.translation.result { return error }
        return nil
    }

    func upstreamRequest(
        _ inbound: ResponsesInbound, deployment: Deployment, provider: ProviderConfig, clientHeaders: [(String, String)], timeoutMs: Int
    ) throws(GatewayError) -> UpstreamRequest {
        if provider.speaksResponsesAPI {
            return try UpstreamRequestBuilder.responses(
                inbound.body, scan: inbound.scan, stream: inbound.streamed, deployment: deployment, provider: provider,
                clientHeaders: clientHeaders, timeoutMs: timeoutMs)
        }
        return try chat.upstreamRequest(try inbound.translation.result.get(), deployment: deployment, provider: provider, clientHeaders: clientHeaders, timeoutMs: timeoutMs)
    }

    func relay(
        _ response: UpstreamResponse, inbound: ResponsesInbound, deployment: Deployment, provider: ProviderConfig, call: RelayCall
    ) async throws -> Response? {
        if provider.speaksResponsesAPI {
            // Usage in the stream is the vendor's `response.completed`; nothing to ask for.
            let relay = ResponseRelay(
                runtime: runtime, inboundWire: .openAIResponses, bridge: provider.responsesBridge,
                inbound: .init(stream: inbound.streamed, clientRequestedUsage: true, bodyBytes: inbound.body.count),
                deployment: deployment, trace: call.trace, requestID: call.requestID, totalTimeoutMs: call.timeoutMs,
                guardrails: call.responseGuardrails)
            return try await relay.relay(response, attemptStart: call.attemptStart)
        }
        let translated = try inbound.translation.result.get()
        var relay = ResponseRelay(
            runtime: runtime, inboundWire: .openAIChat, bridge: provider.responsesBridge, inbound: .init(translated),
            deployment: deployment, trace: call.trace, requestID: call.requestID, totalTimeoutMs: call.timeoutMs,
            guardrails: call.responseGuardrails)
        relay.responsesFront = ResponseObject(id: inbound.responseID, createdAt: inbound.createdAt, model: deployment.upstreamModel, echo: inbound.echo)
        return try await relay.relay(response, attemptStart: call.attemptStart)
    }
}

/// A Responses request as the pipeline carries it: the body (as it goes to a vendor with the
/// Responses API), the chat request it became for the others (or why it could not), and what
/// a translated answer's `response` object needs from it.
struct ResponsesInbound: ModelCallRequest {
    /// The Responses body, after any redaction.
    let body: [UInt8]
    let scan: JSONObjectScanner
    let alias: String
    let streamed: Bool
    /// `max_output_tokens` (validated: `0...RequestBounds.maxOutputTokens`).
    let maxOutputTokens: Int?
    /// The first field that needs server-side state (`previous_response_id`, …), if any.
    let statefulField: String?
    /// The chat request for a translated deployment, or the 400 the translation gives; made
    /// only when a translated deployment is considered.
    let translation: ResponsesTranslation
    let responseID: String
    let createdAt: Int
    let echo: WireJSONObject

    func outputCap(_ runtime: GatewayRuntime) -> Int? { maxOutputTokens }
}
