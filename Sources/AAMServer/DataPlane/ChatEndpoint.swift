import AAMCore
import AAMProviders
import Hummingbird

/// `POST /v1/chat/completions` and `POST /v1/messages`: a model call through the shared
/// `ModelCallPipeline`, answered in the client's protocol (`ResponseRelay`: plain or streamed,
/// translated by the (inbound, upstream) `WireBridge`).
struct ChatEndpoint: ModelCallEndpoint {
    let runtime: GatewayRuntime
    let wire: WireProtocol

    var shape: ErrorShape { wire == .anthropicMessages ? .anthropic : .openAI }
    var path: String { wire == .anthropicMessages ? "/v1/messages" : "/v1/chat/completions" }
    var acceptsXAPIKey: Bool { wire == .anthropicMessages }

    func handle(_ request: Request, context: GatewayContext) async -> Response {
        await ModelCallPipeline(endpoint: self).handle(request, context: context)
    }

    func read(_ body: [UInt8]) throws(GatewayError) -> InboundRequest {
        try InboundRequest(body: body, wire: wire)
    }

    /// Every vendor serves chat (translated when its protocol differs).
    func serves(_ provider: ProviderConfig, _ inbound: InboundRequest) -> Bool { true }

    func unservable(_ inbound: InboundRequest) -> GatewayError? { nil }

    func upstreamRequest(
        _ inbound: InboundRequest, deployment: Deployment, provider: ProviderConfig, clientHeaders: [(String, String)], timeoutMs: Int
    ) throws(GatewayError) -> UpstreamRequest {
        try UpstreamRequestBuilder.chat(
            inbound, inboundWire: wire, deployment: deployment, provider: provider, clientHeaders: clientHeaders, timeoutMs: timeoutMs)
    }

    func relay(
        _ response: UpstreamResponse, inbound: InboundRequest, deployment: Deployment, provider: ProviderConfig, call: RelayCall
    ) async throws -> Response? {
        let relay = ResponseRelay(
            runtime: runtime, inboundWire: wire, bridge: provider.wireProtocol.dialect.bridge(from: wire), inbound: .init(inbound),
            deployment: deployment, trace: call.trace, requestID: call.requestID, totalTimeoutMs: call.timeoutMs,
            guardrails: call.responseGuardrails)
        return try await relay.relay(response, attemptStart: call.attemptStart)
    }

    /// Request guardrails: refuses a blocked request (400 `guardrail_blocked`), or returns the
    /// request with redacted texts, before anything goes upstream.
    func screen(_ inbound: InboundRequest, with engine: GuardrailEngine, trace: CallTrace) throws(GatewayError) -> InboundRequest {
        guard let result = GuardrailBodyFilter.apply(engine, to: inbound.body, wire: wire, direction: .request) else {
            throw .invalidRequest("Request body is not valid JSON.", code: .invalidJSON)
        }
        trace.recordGuardrails(result.decisions, bus: runtime.bus)
        if let block = result.block { throw GuardrailBodyFilter.blockedError(block) }
        guard let body = result.body else { return inbound }
        return try InboundRequest(body: body, wire: wire)
    }
}

extension InboundRequest: ModelCallRequest {
    var streamed: Bool { stream }
    func outputCap(_ runtime: GatewayRuntime) -> Int? { GovernanceGate.maxOutputTokens(self, runtime: runtime) }
}
