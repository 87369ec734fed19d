import AAMCore
import AAMProviders
import Hummingbird
import NIOCore

/// `POST /v1/embeddings` (OpenAI shape): routed like chat, to OpenAI-protocol deployments only
/// (Anthropic has no embeddings API, so its deployments are skipped).
struct EmbeddingsEndpoint: Sendable {
    let runtime: GatewayRuntime

    func handle(_ request: Request, context: GatewayContext) async -> Response {
        // Fail closed: a call that could not be recorded is not made (evidence spool full).
        guard runtime.evidence.acceptsNewCalls else { return Responses.error(.evidenceUnavailable, shape: .openAI, requestID: context.requestID) }
        let trace = CallTrace(requestID: context.requestID, endpoint: "/v1/embeddings", startedAt: runtime.clock.now())
        trace.prices = runtime.prices
        trace.evidence = runtime.evidence
        let response = await respond(request, context: context, trace: trace)
        // Strict durability: the answer leaves only once its record is durable.
        guard await trace.makeDurable() else { return Responses.error(.evidenceUnavailable, shape: .openAI, requestID: context.requestID) }
        return response
    }

    private func respond(_ request: Request, context: GatewayContext, trace: CallTrace) async -> Response {
        do {
            let caller = try await AuthenticatedCaller(request: request, context: context, runtime: runtime, allowXAPIKey: false)
            trace.identify(caller.key)
            var inbound = try InboundEmbeddingsRequest(body: try await BodyReader.read(request, limit: runtime.settings.maxBodyBytes))
            trace.record.alias = inbound.alias
            try await ModelAccess.authorize(
                alias: inbound.alias, caller: caller, size: .init(snapshot: caller.snapshot, bodyBytes: inbound.body.count, maxOutputTokens: 0),
                runtime: runtime, trace: trace)
            if let engine = runtime.guardrails.engine(for: caller.key, in: caller.snapshot), engine.isActive(.request) {
                // Texts sent for embedding leave for a vendor like any prompt: same request policy.
                guard let result = GuardrailBodyFilter.applyToEmbeddings(engine, to: inbound.body) else {
                    throw GatewayError.invalidRequest("Request body is not valid JSON.", code: .invalidJSON)
                }
                trace.recordGuardrails(result.decisions, bus: runtime.bus)
                if let block = result.block { throw GuardrailBodyFilter.blockedError(block) }
                if let body = result.body { inbound = try InboundEmbeddingsRequest(body: body) }
            }
            let limitHeaders = try await GovernanceGate.admit(
                runtime: runtime, key: caller.key, snapshot: caller.snapshot, alias: inbound.alias, bodyBytes: inbound.body.count,
                maxOutputTokens: 0, trace: trace)
            var response = try await attempt(inbound, caller: caller, trace: trace, requestID: context.requestID)
            response.headers.append(contentsOf: limitHeaders)
            return response
        } catch let error as GatewayError {
            trace.finish(status: error.status, outcome: error.status >= 500 ? .upstreamError : .rejected, errorClass: error.recordCode, bus: runtime.bus)
            return Responses.error(error, shape: .openAI, requestID: context.requestID, extra: trace.servedHeaders)
        } catch is CancellationError {
            // The client left: recorded as a cancellation, as for chat (not as a gateway failure).
            trace.finish(status: 499, outcome: .cancelled, errorClass: .clientCancelled, bus: runtime.bus)
            return Responses.error(.internalError(context.requestID), shape: .openAI, requestID: context.requestID)
        } catch {
            trace.finish(status: 500, outcome: .rejected, errorClass: .internalError, bus: runtime.bus)
            return Responses.error(.internalError(context.requestID), shape: .openAI, requestID: context.requestID)
        }
    }

    private func attempt(
        _ inbound: InboundEmbeddingsRequest, caller: AuthenticatedCaller, trace: CallTrace, requestID: String
    ) async throws -> Response {
        let snapshot = caller.snapshot
        let servesEmbeddings = (snapshot.deploymentsByAlias[inbound.alias] ?? []).contains {
            snapshot.provider(named: $0.provider).map { $0.wireProtocol != .anthropic } ?? false
        }
        guard servesEmbeddings else {
            throw GatewayError.invalidRequest(
                "Model '\(inbound.alias)' has no deployment that serves embeddings.", param: "model", code: .embeddingsNotSupported)
        }
        var planner = AttemptPlanner(
            runtime: runtime, snapshot: snapshot, primary: inbound.alias, estimatedPromptTokens: inbound.body.count / 4,
            requiredRegion: caller.key.requiredRegion, accepts: { $0.wireProtocol != .anthropic })
        while let (deployment, provider) = try await planner.next(trace: trace) {
            let timeout = snapshot.settings(for: deployment.alias).timeoutMs ?? runtime.settings.defaultTimeoutMs
            let upstream = UpstreamRequestBuilder.embeddings(inbound, deployment: deployment, provider: provider, timeoutMs: timeout)
            // Embeddings produce no output tokens: the prompt is the whole estimate.
            let admission = await DeploymentAdmission.admit(
                deployment, provider: provider, size: .init(promptTokens: inbound.body.count / 4, maxOutputTokens: 0), runtime: runtime, trace: trace)
            guard case .admitted = admission else {
                planner.passOver(deployment, admission)
                continue
            }
            guard case .admitted(let ticket, let transition) = runtime.health.begin(deployment.id, at: runtime.clock.now()) else { continue }
            runtime.publish(transition)
            var attempt = AttemptOutcome(runtime: runtime, ticket: ticket, deployment: deployment, trace: trace)
            do {
                let credential = try provider.credential.map { try runtime.vault.open($0, owner: provider.name) }
                let response = try await runtime.transport(for: provider).send(upstream, provider: provider, credential: credential)
                let body = try await response.body.collect(limit: runtime.settings.maxUpstreamBodyBytes)
                guard (200..<300).contains(response.status) else {
                    let outcome = UpstreamOutcome.classify(status: response.status, receivedAt: runtime.clock.now()) { response.header($0) }
                    switch UpstreamErrorPolicy.verdict(status: response.status, body: body, secrets: credential.map { [$0.revealForTransport()] } ?? []) {
                    case .retry(let errorClass):
                        attempt.failed(status: response.status, errorClass: errorClass, outcome: outcome)
                        continue
                    case .reject(let error):
                        attempt.failed(status: response.status, errorClass: .upstreamRejectedRequest, outcome: outcome)
                        trace.served(by: deployment)
                        throw error
                    }
                }
                guard (try? JSONObjectScanner(body)) != nil else {
                    attempt.failed(status: response.status, errorClass: .upstreamInvalidResponse, outcome: .serverError(status: 502))
                    continue
                }
                trace.record.attempts.append(.init(
                    deployment: deployment.id, provider: provider.name, status: response.status, errorClass: nil,
                    latencyMs: CallTrace.milliseconds(ContinuousClock.now - attempt.started)))
                attempt.succeeded()
                trace.served(by: deployment)
                trace.markFirstByte()
                trace.finish(status: 200, outcome: .success, usage: ResponseTranslator.usage(fromOpenAIResponse: body), bus: runtime.bus)
                var fields = HTTPFields()
                fields[Responses.requestIDField] = requestID
                fields[Responses.providerField] = provider.name
                fields[Responses.deploymentField] = deployment.id
                return Responses.json(body, headers: fields)
            } catch let failure as UpstreamFailure {
                attempt.failed(status: nil, errorClass: failure.errorClass, outcome: failure == .timeout ? .timeout : .connectionError)
            } catch let error as GatewayError {
                throw error
            } catch is CancellationError {
                attempt.failed(status: nil, errorClass: .clientCancelled, outcome: .cancelled)
                throw CancellationError()
            } catch {
                attempt.failed(status: nil, errorClass: .upstreamFailed, outcome: .connectionError)
            }
        }
        throw planner.exhaustedError(alias: inbound.alias, trace: trace)
    }
}

/// `GET /v1/models`: the aliases this key may use, in OpenAI's list shape.
struct ModelsEndpoint: Sendable {
    let runtime: GatewayRuntime

    /// The aliases a call could use (`ModelAccess`): allowed by the key's scope chain and, for a
    /// workload, by its AgentPolicy `models.allow` (budgets aside).
    static func visibleAliases(_ caller: AuthenticatedCaller, runtime: GatewayRuntime) -> [String] {
        let aliases = caller.snapshot.aliases(visibleTo: caller.key)
        guard let workload = caller.workload else { return aliases }
        let engine = runtime.policies.engine
        let context = DecisionContext(time: runtime.clock.now(), environment: workload.registration.environment)
        return aliases.filter {
            engine.decide(DecisionRequest(identity: workload.spiffeID, action: .modelCall(alias: $0, spend: nil), context: context)).isAllowed
        }
    }

    func handle(_ request: Request, context: GatewayContext) async -> Response {
        do {
            let caller = try await AuthenticatedCaller(request: request, context: context, runtime: runtime, allowXAPIKey: true)
            var json = #"{"object":"list","data":["#
            for (index, alias) in Self.visibleAliases(caller, runtime: runtime).enumerated() {
                if index > 0 { json += "," }
                json += #"{"id":"# + String(decoding: JSONSplicer.quoted(alias), as: UTF8.self) + #","object":"model","created":0,"owned_by":"aam"}"#
            }
            json += "]}"
            var fields = HTTPFields()
            fields[Responses.requestIDField] = context.requestID
            return Responses.json(Array(json.utf8), headers: fields)
        } catch {
            return Responses.error(error, shape: .openAI, requestID: context.requestID)
        }
    }
}
