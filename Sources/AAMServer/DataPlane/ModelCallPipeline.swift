import AAMCore
import AAMProviders
import Hummingbird

/// The steps every model call goes through, in one place: evidence gate, authenticate, read
/// the body, alias, agent policy and allow-lists (`ModelAccess`), request guardrails, admission
/// (budgets, limits), then the attempt loop (routing, deployment limits, health, credential,
/// send, the vendor's refusals), the endpoint's relay, settlement and the record.
struct ModelCallPipeline<Endpoint: ModelCallEndpoint>: Sendable {
    let endpoint: Endpoint
    var runtime: GatewayRuntime { endpoint.runtime }

    func handle(_ request: Request, context: GatewayContext) async -> Response {
        // Fail closed: a call that could not be recorded is not made (evidence spool full).
        guard runtime.evidence.acceptsNewCalls else { return Responses.error(.evidenceUnavailable, shape: endpoint.shape, requestID: context.requestID) }
        let trace = CallTrace(requestID: context.requestID, endpoint: endpoint.path, startedAt: runtime.clock.now())
        trace.prices = runtime.prices
        trace.evidence = runtime.evidence
        let response = await respond(request, context: context, trace: trace)
        // Strict durability: a plain answer or an error leaves only once its record is durable
        // (a stream withholds its terminating event instead: `StreamWriterContext`).
        guard await trace.makeDurable() else { return Responses.error(.evidenceUnavailable, shape: endpoint.shape, requestID: context.requestID) }
        return response
    }

    private func respond(_ request: Request, context: GatewayContext, trace: CallTrace) async -> Response {
        let shape = endpoint.shape
        do {
            let caller = try await AuthenticatedCaller(request: request, context: context, runtime: runtime, allowXAPIKey: endpoint.acceptsXAPIKey)
            trace.identify(caller.key)
            var inbound = try endpoint.read(try await BodyReader.read(request, limit: runtime.settings.maxBodyBytes))
            trace.record.alias = inbound.alias
            trace.record.streamed = inbound.streamed
            // Read once: redaction by the request guardrails rewrites texts, never the caps.
            let outputCap = inbound.outputCap(runtime)
            try await ModelAccess.authorize(
                alias: inbound.alias, caller: caller,
                size: .init(snapshot: caller.snapshot, bodyBytes: inbound.body.count, maxOutputTokens: outputCap),
                runtime: runtime, trace: trace)
            try refuseUnservable(inbound, snapshot: caller.snapshot)
            let guardrails = runtime.guardrails.engine(for: caller.key, in: caller.snapshot)
            if let guardrails, guardrails.isActive(.request) {
                inbound = try endpoint.screen(inbound, with: guardrails, trace: trace)
            }
            let limitHeaders = try await GovernanceGate.admit(
                runtime: runtime, key: caller.key, snapshot: caller.snapshot, alias: inbound.alias, bodyBytes: inbound.body.count,
                maxOutputTokens: outputCap, trace: trace)
            let clientHeaders = request.headers.map { ($0.name.canonicalName, $0.value) }
            var response = try await attempt(
                inbound, outputCap: outputCap, caller: caller, clientHeaders: clientHeaders, trace: trace, requestID: context.requestID,
                responseGuardrails: guardrails.flatMap { $0.isActive(.response) ? $0 : nil })
            response.headers.append(contentsOf: limitHeaders)
            return response
        } catch let error as GatewayError {
            // A 429 after attempts were made is the vendors' limit, not the caller's.
            let upstream = error.status >= 500 || error.code == .rateLimitExceeded && !trace.record.attempts.isEmpty
            trace.finish(status: error.status, outcome: upstream ? .upstreamError : .rejected, errorClass: error.recordCode, bus: runtime.bus)
            return Responses.error(error, shape: shape, requestID: context.requestID, extra: trace.servedHeaders)
        } catch is CancellationError {
            // The client left: recorded as a cancellation, never as a gateway failure.
            trace.finish(status: 499, outcome: .cancelled, errorClass: .clientCancelled, bus: runtime.bus)
            return Responses.error(.internalError(context.requestID), shape: shape, requestID: context.requestID)
        } catch {
            runtime.logger.error("unexpected failure", metadata: ["request_id": .string(context.requestID), "error": .string(String(describing: type(of: error)))])
            trace.finish(status: 500, outcome: .rejected, errorClass: .internalError, bus: runtime.bus)
            return Responses.error(.internalError(context.requestID), shape: shape, requestID: context.requestID)
        }
    }

    /// A 400 before admission when no deployment of the alias can serve this endpoint (an
    /// embeddings call to an Anthropic-only alias), instead of an exhausted plan after it.
    private func refuseUnservable(_ inbound: Endpoint.Inbound, snapshot: ConfigSnapshot) throws(GatewayError) {
        let servable = (snapshot.deploymentsByAlias[inbound.alias] ?? []).contains { deployment in
            snapshot.provider(named: deployment.provider).map { endpoint.serves($0, inbound) } ?? false
        }
        if !servable, let error = endpoint.unservable(inbound) { throw error }
    }

    /// Tries deployments in the planner's order until one answers, and relays that answer.
    private func attempt(
        _ inbound: Endpoint.Inbound, outputCap: Int?, caller: AuthenticatedCaller, clientHeaders: [(String, String)], trace: CallTrace, requestID: String,
        responseGuardrails: GuardrailEngine? = nil
    ) async throws -> Response {
        let snapshot = caller.snapshot
        let endpoint = self.endpoint
        let size = DeploymentAdmission.CallSize(promptTokens: inbound.estimatedPromptTokens, maxOutputTokens: outputCap)
        var planner = AttemptPlanner(
            runtime: runtime, snapshot: snapshot, primary: inbound.alias, estimatedPromptTokens: inbound.estimatedPromptTokens,
            requiredRegion: caller.key.requiredRegion, accepts: { endpoint.serves($0, inbound) })
        while let (deployment, provider) = try await planner.next(trace: trace) {
            let timeout = snapshot.settings(for: deployment.alias).timeoutMs ?? runtime.settings.defaultTimeoutMs
            let upstreamRequest = try endpoint.upstreamRequest(
                inbound, deployment: deployment, provider: provider, clientHeaders: clientHeaders, timeoutMs: timeout)
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
            let credential: SecretValue?
            do {
                credential = try provider.credential.map { try runtime.vault.open($0, owner: provider.name) }
            } catch {
                attempt.failed(status: nil, errorClass: .credentialUnavailable, outcome: .connectionError)
                continue
            }
            let response: UpstreamResponse
            do {
                response = try await runtime.transport(for: provider).send(upstreamRequest, provider: provider, credential: credential)
            } catch let failure as UpstreamFailure {
                attempt.failed(status: nil, errorClass: failure.errorClass, outcome: failure == .timeout ? .timeout : .connectionError)
                continue
            } catch is CancellationError {
                attempt.failed(status: nil, errorClass: .clientCancelled, outcome: .cancelled)
                throw CancellationError()
            } catch {
                attempt.failed(status: nil, errorClass: .upstreamFailed, outcome: .connectionError)
                continue
            }
            guard (200..<300).contains(response.status) else {
                let errorBody = (try? await response.body.collect(limit: 1 << 20)) ?? []
                let receivedAt = runtime.clock.now()
                let dialect = provider.wireProtocol.dialect
                let outcome = dialect.outcome(
                    UpstreamOutcome.classify(status: response.status, receivedAt: receivedAt) { response.header($0) },
                    status: response.status, body: errorBody, receivedAt: receivedAt)
                // The vendor's message must not repeat the provider's credential in any encoding.
                let secrets = credential.map { [$0.revealForTransport()] } ?? []
                switch UpstreamErrorPolicy.verdict(status: response.status, body: errorBody, secrets: secrets, dialect: dialect) {
                case .retry(let errorClass):
                    attempt.failed(status: response.status, errorClass: errorClass, outcome: outcome)
                    continue
                case .reject(let error):
                    if dialect.isContextLengthError(errorBody), planner.fallBackForContextWindow(from: deployment.alias) {
                        attempt.failed(status: response.status, errorClass: .contextLengthExceeded, outcome: outcome)
                        continue
                    }
                    attempt.failed(status: response.status, errorClass: .upstreamRejectedRequest, outcome: outcome)
                    trace.served(by: deployment)
                    throw error
                }
            }
            let call = RelayCall(trace: trace, requestID: requestID, timeoutMs: timeout, responseGuardrails: responseGuardrails, attemptStart: attempt.started)
            if let served = try await endpoint.relay(response, inbound: inbound, deployment: deployment, provider: provider, call: call) {
                attempt.succeeded()
                return served
            }
            // Unusable before the first content byte (recorded by the relay): try the next one.
            attempt.finishHealth(.serverError(status: 502))
        }
        throw planner.exhaustedError(alias: inbound.alias, trace: trace)
    }
}
