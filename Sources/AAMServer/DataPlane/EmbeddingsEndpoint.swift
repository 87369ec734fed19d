import AAMCore
import AAMProviders
import Hummingbird
import NIOCore

/// `POST /v1/embeddings` (OpenAI shape): routed like chat, to OpenAI-protocol deployments only
/// (Anthropic has no embeddings API, so its deployments are skipped).
struct EmbeddingsEndpoint: Sendable {
    let runtime: GatewayRuntime

    func handle(_ request: Request, context: GatewayContext) async -> Response {
        let trace = CallTrace(requestID: context.requestID, endpoint: "/v1/embeddings", startedAt: runtime.clock.now())
        do {
            let caller = try AuthenticatedCaller(request: request, runtime: runtime, allowXAPIKey: false)
            trace.identify(caller.key)
            let inbound = try InboundEmbeddingsRequest(body: try await BodyReader.read(request, limit: runtime.settings.maxBodyBytes))
            trace.record.alias = inbound.alias
            guard caller.snapshot.aliasNames.contains(inbound.alias) else { throw GatewayError.modelNotFound(inbound.alias) }
            guard caller.key.allows(alias: inbound.alias) else { throw GatewayError.modelNotAllowed(inbound.alias) }
            return try await attempt(inbound, snapshot: caller.snapshot, trace: trace, requestID: context.requestID)
        } catch let error as GatewayError {
            trace.finish(status: error.status, outcome: error.status >= 500 ? .upstreamError : .rejected, errorClass: error.code, bus: runtime.bus)
            return Responses.error(error, shape: .openAI, requestID: context.requestID)
        } catch {
            trace.finish(status: 500, outcome: .rejected, errorClass: "internal_error", bus: runtime.bus)
            return Responses.error(.internalError(context.requestID), shape: .openAI, requestID: context.requestID)
        }
    }

    private func attempt(_ inbound: InboundEmbeddingsRequest, snapshot: ConfigSnapshot, trace: CallTrace, requestID: String) async throws -> Response {
        let settings = snapshot.settings(for: inbound.alias)
        let plan = AliasRouter.plan(alias: inbound.alias, snapshot: snapshot, random: runtime.random).filter {
            snapshot.provider(named: $0.provider)?.wireProtocol != .anthropic
        }
        guard !plan.isEmpty else {
            throw GatewayError.invalidRequest(
                "Model '\(inbound.alias)' has no deployment that serves embeddings.", param: "model", code: "embeddings_not_supported")
        }
        var retryAfter: Int?
        for deployment in plan.prefix(1 + settings.retries) {
            guard let provider = snapshot.provider(named: deployment.provider) else { continue }
            let upstream = UpstreamRequestBuilder.embeddings(
                inbound, deployment: deployment, provider: provider, timeoutMs: settings.timeoutMs ?? runtime.settings.defaultTimeoutMs)
            let start = ContinuousClock.now
            func note(_ status: Int?, _ errorClass: String?) {
                trace.record.attempts.append(.init(deployment: deployment.id, provider: provider.name, status: status, errorClass: errorClass,
                                                   latencyMs: CallTrace.milliseconds(ContinuousClock.now - start)))
            }
            do {
                let credential = try provider.credential.map { try runtime.vault.open($0, owner: provider.name) }
                let response = try await runtime.transport(for: provider).send(upstream, provider: provider, credential: credential)
                let body = try await response.body.collect(limit: runtime.settings.maxUpstreamBodyBytes)
                guard (200..<300).contains(response.status) else {
                    switch UpstreamErrorPolicy.verdict(status: response.status, body: body, retryAfter: response.header("retry-after")) {
                    case .retry(let errorClass):
                        note(response.status, errorClass)
                        if response.status == 429 { retryAfter = UpstreamErrorPolicy.retryAfterSeconds(response.header("retry-after")) }
                        continue
                    case .reject(let error):
                        note(response.status, "upstream_rejected_request")
                        throw error
                    }
                }
                guard (try? JSONObjectScanner(body)) != nil else {
                    note(response.status, "upstream_invalid_response")
                    continue
                }
                note(response.status, nil)
                trace.served(by: deployment)
                trace.markFirstByte()
                trace.finish(status: 200, outcome: .success, usage: ResponseTranslator.usage(fromOpenAIResponse: body), bus: runtime.bus)
                var fields = HTTPFields()
                fields[Responses.requestIDField] = requestID
                fields[Responses.providerField] = provider.name
                fields[Responses.deploymentField] = deployment.id
                return Responses.json(body, headers: fields)
            } catch let failure as UpstreamFailure {
                note(nil, failure.errorClass)
            } catch let error as GatewayError {
                throw error
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                note(nil, "upstream_failed")
            }
        }
        throw UpstreamErrorPolicy.exhausted(alias: inbound.alias, attempts: trace.record.attempts, retryAfter: retryAfter)
    }
}

/// `GET /v1/models`: the aliases this key may use, in OpenAI's list shape.
struct ModelsEndpoint: Sendable {
    let runtime: GatewayRuntime

    func handle(_ request: Request, context: GatewayContext) async -> Response {
        do {
            let caller = try AuthenticatedCaller(request: request, runtime: runtime, allowXAPIKey: true)
            var json = #"{"object":"list","data":["#
            for (index, alias) in caller.snapshot.aliases(visibleTo: caller.key).enumerated() {
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
