import AAMCore
import AAMProviders
import Hummingbird

/// `POST /v1/embeddings` (OpenAI shape): a model call through the shared `ModelCallPipeline`,
/// routed like chat to the deployments whose vendor has an embeddings API
/// (`VendorDialect.servesEmbeddings`; Anthropic has none, so its deployments are skipped).
struct EmbeddingsEndpoint: ModelCallEndpoint {
    let runtime: GatewayRuntime

    var shape: ErrorShape { .openAI }
    var path: String { "/v1/embeddings" }
    var acceptsXAPIKey: Bool { false }

    func handle(_ request: Request, context: GatewayContext) async -> Response {
        await ModelCallPipeline(endpoint: self).handle(request, context: context)
    }

    func read(_ body: [UInt8]) throws(GatewayError) -> InboundEmbeddingsRequest {
        try InboundEmbeddingsRequest(body: body)
    }

    /// Texts sent for embedding leave for a vendor like any prompt: same request policy.
    func screen(_ inbound: InboundEmbeddingsRequest, with engine: GuardrailEngine, trace: CallTrace) throws(GatewayError) -> InboundEmbeddingsRequest {
        guard let result = GuardrailBodyFilter.applyToEmbeddings(engine, to: inbound.body) else {
            throw .invalidRequest("Request body is not valid JSON.", code: .invalidJSON)
        }
        trace.recordGuardrails(result.decisions, bus: runtime.bus)
        if let block = result.block { throw GuardrailBodyFilter.blockedError(block) }
        guard let body = result.body else { return inbound }
        return try InboundEmbeddingsRequest(body: body)
    }

    func serves(_ provider: ProviderConfig, _ inbound: InboundEmbeddingsRequest) -> Bool { provider.wireProtocol.dialect.servesEmbeddings }

    func unservable(_ inbound: InboundEmbeddingsRequest) -> GatewayError? { Self.noEmbeddingsDeployment(inbound.alias) }

    static func noEmbeddingsDeployment(_ alias: String) -> GatewayError {
        .invalidRequest("Model '\(alias)' has no deployment that serves embeddings.", param: "model", code: .embeddingsNotSupported)
    }

    func upstreamRequest(
        _ inbound: InboundEmbeddingsRequest, deployment: Deployment, provider: ProviderConfig, clientHeaders: [(String, String)], timeoutMs: Int
    ) throws(GatewayError) -> UpstreamRequest {
        guard let request = try UpstreamRequestBuilder.embeddings(inbound, deployment: deployment, provider: provider, timeoutMs: timeoutMs) else {
            throw Self.noEmbeddingsDeployment(deployment.alias)
        }
        return request
    }

    /// The vendor's answer passes through once it proves to be JSON; its usage is billed.
    func relay(
        _ response: UpstreamResponse, inbound: InboundEmbeddingsRequest, deployment: Deployment, provider: ProviderConfig, call: RelayCall
    ) async throws -> Response? {
        let trace = call.trace
        func recordAttempt(_ errorClass: ErrorCode?) {
            trace.recordAttempt(deployment, status: response.status, errorClass: errorClass, since: call.attemptStart)
        }
        let body: [UInt8]
        do {
            body = try await response.body.collect(limit: runtime.settings.maxUpstreamBodyBytes)
        } catch is CancellationError {
            recordAttempt(.clientCancelled)
            throw CancellationError()
        } catch {
            recordAttempt(.upstreamBodyFailed)
            return nil
        }
        // The vendor's answer in OpenAI's shape (as it came, for an OpenAI-shaped vendor).
        guard let (answer, usage, estimated) = try? provider.wireProtocol.dialect.embeddingsAnswer(
            body, request: inbound.body, responseModel: deployment.upstreamModel) else {
            recordAttempt(.upstreamInvalidResponse)
            return nil
        }
        recordAttempt(nil)
        trace.served(by: deployment)
        trace.markFirstByte()
        if estimated, let usage {
            // The vendor reports none: the record says the counts are the gateway's estimate.
            trace.finish(status: 200, outcome: .success, settled: .init(usage: usage, estimated: true), bus: runtime.bus)
        } else {
            trace.finish(status: 200, outcome: .success, usage: usage, bus: runtime.bus)
        }
        var fields = HTTPFields()
        fields[Responses.requestIDField] = call.requestID
        fields[Responses.providerField] = provider.name
        fields[Responses.deploymentField] = deployment.id
        return Responses.json(answer, headers: fields)
    }
}

extension InboundEmbeddingsRequest: ModelCallRequest {
    var streamed: Bool { false }
    /// Embeddings produce no output tokens: the prompt is the whole estimate.
    func outputCap(_ runtime: GatewayRuntime) -> Int? { 0 }
}
