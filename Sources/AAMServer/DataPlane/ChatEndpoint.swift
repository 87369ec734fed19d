import AAMCore
import AAMProviders
import Hummingbird
import NIOCore

/// `POST /v1/chat/completions` and `POST /v1/messages`: authenticate, validate, route, call the
/// upstream (retrying other deployments and fallback aliases while nothing was sent to the
/// client), relay the answer in the client's protocol, and record the call.
struct ChatEndpoint: Sendable {
    let runtime: GatewayRuntime
    let wire: WireProtocol

    var shape: ErrorShape { wire == .anthropicMessages ? .anthropic : .openAI }
    var endpoint: String { wire == .anthropicMessages ? "/v1/messages" : "/v1/chat/completions" }

    func handle(_ request: Request, context: GatewayContext) async -> Response {
        // Fail closed: a call that could not be recorded is not made (evidence spool full).
        guard runtime.evidence.acceptsNewCalls else { return Responses.error(.evidenceUnavailable, shape: shape, requestID: context.requestID) }
        let trace = CallTrace(requestID: context.requestID, endpoint: endpoint, startedAt: runtime.clock.now())
        trace.prices = runtime.prices
        trace.evidence = runtime.evidence
        let response = await respond(request, context: context, trace: trace)
        // Strict durability: a plain answer or an error leaves only once its record is durable
        // (a stream withholds its terminating event instead: `StreamWriterContext`).
        guard await trace.makeDurable() else { return Responses.error(.evidenceUnavailable, shape: shape, requestID: context.requestID) }
        return response
    }

    private func respond(_ request: Request, context: GatewayContext, trace: CallTrace) async -> Response {
        do {
            let caller = try await AuthenticatedCaller(request: request, context: context, runtime: runtime, allowXAPIKey: wire == .anthropicMessages)
            trace.identify(caller.key)
            let body = try await BodyReader.read(request, limit: runtime.settings.maxBodyBytes)
            var inbound = try InboundRequest(body: body, wire: wire)
            trace.record.alias = inbound.alias
            trace.record.streamed = inbound.stream
            try await ModelAccess.authorize(
                alias: inbound.alias, caller: caller,
                size: .init(snapshot: caller.snapshot, bodyBytes: inbound.body.count, maxOutputTokens: GovernanceGate.maxOutputTokens(inbound, runtime: runtime)),
                runtime: runtime, trace: trace)
            let guardrails = runtime.guardrails.engine(for: caller.key, in: caller.snapshot)
            if let guardrails, guardrails.isActive(.request) {
                inbound = try screen(inbound, with: guardrails, trace: trace)
            }
            let limitHeaders = try await GovernanceGate.admit(runtime: runtime, key: caller.key, snapshot: caller.snapshot, inbound: inbound, trace: trace)
            let clientHeaders = request.headers.map { ($0.name.canonicalName, $0.value) }
            var response = try await attempt(
                inbound, caller: caller, clientHeaders: clientHeaders, trace: trace, requestID: context.requestID,
                guardrails: guardrails.flatMap { $0.isActive(.response) ? $0 : nil })
            response.headers.append(contentsOf: limitHeaders)
            return response
        } catch let error as GatewayError {
            trace.finish(status: error.status, outcome: error.status >= 500 || error.code == .rateLimitExceeded && trace.record.attempts.count > 0 ? .upstreamError : .rejected,
                         errorClass: error.recordCode, bus: runtime.bus)
            return Responses.error(error, shape: shape, requestID: context.requestID, extra: trace.servedHeaders)
        } catch is CancellationError {
            trace.finish(status: 499, outcome: .cancelled, errorClass: .clientCancelled, bus: runtime.bus)
            return Responses.error(.internalError(context.requestID), shape: shape, requestID: context.requestID)
        } catch {
            runtime.logger.error("unexpected failure", metadata: ["request_id": .string(context.requestID), "error": .string(String(describing: type(of: error)))])
            trace.finish(status: 500, outcome: .rejected, errorClass: .internalError, bus: runtime.bus)
            return Responses.error(.internalError(context.requestID), shape: shape, requestID: context.requestID)
        }
    }

    func attempt(
        _ inbound: InboundRequest, caller: AuthenticatedCaller, clientHeaders: [(String, String)], trace: CallTrace, requestID: String,
        guardrails: GuardrailEngine? = nil
    ) async throws -> Response {
        let snapshot = caller.snapshot
        var planner = AttemptPlanner(runtime: runtime, snapshot: snapshot, primary: inbound.alias, estimatedPromptTokens: inbound.body.count / 4,
            requiredRegion: caller.key.requiredRegion)
        while let (deployment, provider) = try await planner.next(trace: trace) {
            let timeout = snapshot.settings(for: deployment.alias).timeoutMs ?? runtime.settings.defaultTimeoutMs
            let upstreamRequest = try UpstreamRequestBuilder.chat(
                inbound, inboundWire: wire, deployment: deployment, provider: provider, clientHeaders: clientHeaders, timeoutMs: timeout)
            let size = DeploymentAdmission.CallSize(
                promptTokens: inbound.body.count / 4, maxOutputTokens: GovernanceGate.maxOutputTokens(inbound, runtime: runtime))
            let admission = await DeploymentAdmission.admit(deployment, provider: provider, size: size, runtime: runtime, trace: trace)
            guard case .admitted = admission else {
                planner.passOver(deployment, admission)
                continue
            }
            guard case .admitted(let ticket, let transition) = runtime.health.begin(deployment.id, at: runtime.clock.now()) else {
                continue
            }
            runtime.publish(transition)
            var attempt = AttemptOutcome(runtime: runtime, ticket: ticket, deployment: deployment, trace: trace)
            let response: UpstreamResponse
            do {
                let credential = try provider.credential.map { try runtime.vault.open($0, owner: provider.name) }
                response = try await runtime.transport(for: provider).send(upstreamRequest, provider: provider, credential: credential)
            } catch let failure as UpstreamFailure {
                attempt.failed(status: nil, errorClass: failure.errorClass, outcome: failure == .timeout ? .timeout : .connectionError)
                continue
            } catch is CancellationError {
                attempt.failed(status: nil, errorClass: .clientCancelled, outcome: .cancelled)
                throw CancellationError()
            } catch {
                attempt.failed(status: nil, errorClass: .credentialUnavailable, outcome: .connectionError)
                continue
            }
            guard (200..<300).contains(response.status) else {
                let errorBody = (try? await response.body.collect(limit: 1 << 20)) ?? []
                let outcome = UpstreamOutcome.classify(status: response.status, receivedAt: runtime.clock.now()) { response.header($0) }
                // The vendor's message must not repeat the provider's credential in any encoding.
                let secrets = ((try? provider.credential.map { try runtime.vault.open($0, owner: provider.name) }) ?? nil).map { [$0.revealForTransport()] } ?? []
                switch UpstreamErrorPolicy.verdict(status: response.status, body: errorBody, secrets: secrets) {
                case .retry(let errorClass):
                    attempt.failed(status: response.status, errorClass: errorClass, outcome: outcome)
                    continue
                case .reject(let error):
                    if UpstreamErrorPolicy.isContextLengthError(errorBody), planner.fallBackForContextWindow(from: deployment.alias) {
                        attempt.failed(status: response.status, errorClass: .contextLengthExceeded, outcome: outcome)
                        continue
                    }
                    attempt.failed(status: response.status, errorClass: .upstreamRejectedRequest, outcome: outcome)
                    trace.served(by: deployment)
                    throw error
                }
            }
            let relay = ResponseRelay(runtime: runtime, inboundWire: wire, upstreamWire: UpstreamRequestBuilder.wire(of: provider),
                                      inbound: inbound, deployment: deployment, trace: trace, requestID: requestID,
                                      totalTimeoutMs: timeout, guardrails: guardrails)
            if let served = try await relay.relay(response, attemptStart: attempt.started) {
                attempt.succeeded()
                return served
            }
            // Unusable before the first content byte (recorded by the relay): try the next one.
            attempt.finishHealth(.serverError(status: 502))
        }
        throw planner.exhaustedError(alias: inbound.alias, trace: trace)
    }

    /// Request guardrails: refuses a blocked request (400 `guardrail_blocked`), or returns the
    /// request with redacted texts, before anything goes upstream.
    private func screen(_ inbound: InboundRequest, with engine: GuardrailEngine, trace: CallTrace) throws(GatewayError) -> InboundRequest {
        guard let result = GuardrailBodyFilter.apply(engine, to: inbound.body, wire: wire, direction: .request) else {
            throw .invalidRequest("Request body is not valid JSON.", code: .invalidJSON)
        }
        trace.recordGuardrails(result.decisions, bus: runtime.bus)
        if let block = result.block { throw GuardrailBodyFilter.blockedError(block) }
        guard let body = result.body else { return inbound }
        return try InboundRequest(body: body, wire: wire)
    }

}

/// Reads a request body up to the configured limit; more is a 413 in the caller's error shape.
enum BodyReader {
    static func read(_ request: Request, limit: Int) async throws -> [UInt8] {
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
            throw GatewayError.bodyTooLarge(limit: limit)
        }
        do {
            let buffer = try await request.body.collect(upTo: limit)
            return Array(buffer.readableBytesView)
        } catch is NIOTooManyBytesError {
            throw GatewayError.bodyTooLarge(limit: limit)
        }
    }
}
