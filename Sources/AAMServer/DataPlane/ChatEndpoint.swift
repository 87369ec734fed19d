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
        let trace = CallTrace(requestID: context.requestID, endpoint: endpoint, startedAt: runtime.clock.now())
        do {
            let caller = try AuthenticatedCaller(request: request, runtime: runtime, allowXAPIKey: wire == .anthropicMessages)
            trace.identify(caller.key)
            let body = try await BodyReader.read(request, limit: runtime.settings.maxBodyBytes)
            let inbound = try InboundRequest(body: body, wire: wire)
            trace.record.alias = inbound.alias
            trace.record.streamed = inbound.stream
            guard caller.snapshot.aliasNames.contains(inbound.alias) else { throw GatewayError.modelNotFound(inbound.alias) }
            guard caller.key.allows(alias: inbound.alias) else { throw GatewayError.modelNotAllowed(inbound.alias) }
            let clientHeaders = request.headers.map { ($0.name.canonicalName, $0.value) }
            return try await attempt(inbound, caller: caller, clientHeaders: clientHeaders, trace: trace, requestID: context.requestID)
        } catch let error as GatewayError {
            trace.finish(status: error.status, outcome: error.status >= 500 || error.code == "rate_limit_exceeded" && trace.record.attempts.count > 0 ? .upstreamError : .rejected,
                         errorClass: error.code, bus: runtime.bus)
            return Responses.error(error, shape: shape, requestID: context.requestID, extra: servedHeaders(trace))
        } catch is CancellationError {
            trace.finish(status: 499, outcome: .cancelled, errorClass: "client_cancelled", bus: runtime.bus)
            return Responses.error(.internalError(context.requestID), shape: shape, requestID: context.requestID)
        } catch {
            runtime.logger.error("unexpected failure", metadata: ["request_id": .string(context.requestID), "error": .string(String(describing: type(of: error)))])
            trace.finish(status: 500, outcome: .rejected, errorClass: "internal_error", bus: runtime.bus)
            return Responses.error(.internalError(context.requestID), shape: shape, requestID: context.requestID)
        }
    }

    /// Candidates in order: the alias's deployments (1 + retries of them), then each fallback alias's.
    func candidates(for alias: String, snapshot: ConfigSnapshot) -> [Deployment] {
        var result: [Deployment] = []
        var seen: Set<String> = []
        for name in [alias] + snapshot.settings(for: alias).fallbacks where seen.insert(name).inserted {
            let settings = snapshot.settings(for: name)
            result.append(contentsOf: AliasRouter.plan(alias: name, snapshot: snapshot, random: runtime.random).prefix(1 + settings.retries))
        }
        return result
    }

    func attempt(
        _ inbound: InboundRequest, caller: AuthenticatedCaller, clientHeaders: [(String, String)], trace: CallTrace, requestID: String
    ) async throws -> Response {
        let snapshot = caller.snapshot
        let plan = candidates(for: inbound.alias, snapshot: snapshot)
        guard !plan.isEmpty else { throw GatewayError.noDeployment(inbound.alias) }
        var retryAfter: Int?
        for deployment in plan {
            try Task.checkCancellation()
            guard let provider = snapshot.provider(named: deployment.provider) else { continue }
            let timeout = snapshot.settings(for: deployment.alias).timeoutMs ?? runtime.settings.defaultTimeoutMs
            let upstreamRequest = try UpstreamRequestBuilder.chat(
                inbound, inboundWire: wire, deployment: deployment, provider: provider, clientHeaders: clientHeaders, timeoutMs: timeout)
            let attemptStart = ContinuousClock.now
            func failed(_ status: Int?, _ errorClass: String) {
                trace.record.attempts.append(.init(
                    deployment: deployment.id, provider: provider.name, status: status, errorClass: errorClass,
                    latencyMs: CallTrace.milliseconds(ContinuousClock.now - attemptStart)))
            }
            let response: UpstreamResponse
            do {
                let credential = try provider.credential.map { try runtime.vault.open($0, owner: provider.name) }
                response = try await runtime.transport(for: provider).send(upstreamRequest, provider: provider, credential: credential)
            } catch let failure as UpstreamFailure {
                failed(nil, failure.errorClass)
                continue
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                failed(nil, "credential_unavailable")
                continue
            }
            guard (200..<300).contains(response.status) else {
                let errorBody = (try? await response.body.collect(limit: 1 << 20)) ?? []
                switch UpstreamErrorPolicy.verdict(status: response.status, body: errorBody, retryAfter: response.header("retry-after")) {
                case .retry(let errorClass):
                    failed(response.status, errorClass)
                    if response.status == 429 { retryAfter = UpstreamErrorPolicy.retryAfterSeconds(response.header("retry-after")) ?? retryAfter }
                    continue
                case .reject(let error):
                    failed(response.status, "upstream_rejected_request")
                    trace.served(by: deployment)
                    throw error
                }
            }
            let relay = ResponseRelay(runtime: runtime, inboundWire: wire, upstreamWire: UpstreamRequestBuilder.wire(of: provider),
                                      inbound: inbound, deployment: deployment, trace: trace, requestID: requestID)
            if let served = try await relay.relay(response, attemptStart: attemptStart) {
                return served
            }
            // The stream failed before its first content byte: nothing reached the client, so try the next one.
        }
        throw UpstreamErrorPolicy.exhausted(alias: inbound.alias, attempts: trace.record.attempts, retryAfter: retryAfter)
    }

    func servedHeaders(_ trace: CallTrace) -> HTTPFields {
        var fields = HTTPFields()
        if let provider = trace.record.provider { fields[Responses.providerField] = provider }
        if let deployment = trace.record.deployment { fields[Responses.deploymentField] = deployment }
        return fields
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
