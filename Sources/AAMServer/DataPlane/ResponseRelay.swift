import AAMCore
import AAMProviders
import Hummingbird
import NIOCore

/// Relays a successful (2xx) upstream answer to the client in the client's protocol.
///
/// Returns nil when the answer proved unusable before any byte reached the client (garbage
/// body, a stream that failed before its first content), after recording the failed attempt,
/// so the caller can try the next deployment.
struct ResponseRelay: Sendable {
    let runtime: GatewayRuntime
    let inboundWire: WireProtocol
    /// How this (inbound, upstream) pair translates (`VendorDialect.bridge(from:)`).
    let bridge: any WireBridge
    /// What the relay needs of the client's request.
    let inbound: RelayedRequest
    let deployment: Deployment
    let trace: CallTrace
    let requestID: String
    /// The alias's total time budget; a stream still running past it ends with an in-band error.
    var totalTimeoutMs: Int = 600_000
    /// Set when the caller's response guardrails do something (the engine is active for responses).
    var guardrails: GuardrailEngine?
    /// Set when the client speaks the Responses API: the (guardrailed) chat answer is rewritten
    /// into this `response` object last (`ResponsesEndpoint`).
    var responsesFront: ResponseObject?

    /// The client's request as the relay sees it: streamed or not, whether it asked for usage
    /// in the stream, and its size (the prompt estimate of a call the client left).
    struct RelayedRequest: Sendable {
        let stream: Bool
        let clientRequestedUsage: Bool
        let bodyBytes: Int

        init(stream: Bool, clientRequestedUsage: Bool, bodyBytes: Int) {
            self.stream = stream
            self.clientRequestedUsage = clientRequestedUsage
            self.bodyBytes = bodyBytes
        }

        init(_ inbound: InboundRequest) {
            self.init(stream: inbound.stream, clientRequestedUsage: inbound.clientRequestedUsage, bodyBytes: inbound.body.count)
        }
    }

    func relay(_ response: UpstreamResponse, attemptStart: ContinuousClock.Instant) async throws -> Response? {
        inbound.stream
            ? try await relayStream(response, attemptStart: attemptStart)
            : try await relayPlain(response, attemptStart: attemptStart)
    }

    private func recordAttempt(status: Int?, errorClass: ErrorCode?, since start: ContinuousClock.Instant) {
        trace.recordAttempt(deployment, status: status, errorClass: errorClass, since: start)
    }

    private func headers(contentType: String) -> HTTPFields {
        var fields = HTTPFields()
        fields[.contentType] = contentType
        fields[Responses.requestIDField] = requestID
        fields[Responses.providerField] = deployment.provider
        fields[Responses.deploymentField] = deployment.id
        return fields
    }

    // MARK: Plain

    /// The admission estimate's prompt tokens: what a call the client left is billed at least.
    private var promptEstimate: Int { EarlyEndSettlement.promptEstimate(bodyBytes: inbound.bodyBytes) }

    /// The client left after the upstream accepted the call (2xx head) and before anything was
    /// sent: the vendor bills the prompt, and so does the gateway (`EarlyEndSettlement`).
    private func finishAbandoned(
        _ response: UpstreamResponse, outputBytes: Int, reported: TokenUsage?, since attemptStart: ContinuousClock.Instant
    ) {
        recordAttempt(status: response.status, errorClass: .clientCancelled, since: attemptStart)
        trace.served(by: deployment)
        trace.finish(status: 499, outcome: .cancelled, errorClass: .clientCancelled,
                     settled: EarlyEndSettlement.settle(completed: false, reported: reported, promptEstimate: promptEstimate, outputBytes: outputBytes),
                     bus: runtime.bus)
    }

    private func relayPlain(_ response: UpstreamResponse, attemptStart: ContinuousClock.Instant) async throws -> Response? {
        let bytes: [UInt8]
        do {
            bytes = try await response.body.collect(limit: runtime.settings.maxUpstreamBodyBytes)
        } catch is CancellationError {
            finishAbandoned(response, outputBytes: 0, reported: nil, since: attemptStart)
            throw CancellationError()
        } catch {
            recordAttempt(status: response.status, errorClass: .upstreamBodyFailed, since: attemptStart)
            return nil
        }
        let output: [UInt8]
        let usage: TokenUsage?
        do {
            (output, usage) = try bridge.responseBody(bytes, responseModel: deployment.upstreamModel)
        } catch let blocked as UpstreamContentBlocked {
            // The vendor's safety system withheld the answer: the client is told so (400
            // `content_filter`), no other deployment is tried, and what the vendor billed is.
            recordAttempt(status: response.status, errorClass: .contentFiltered, since: attemptStart)
            trace.served(by: deployment)
            let error = GatewayError(status: 400, type: .invalidRequestError, code: .contentFiltered, message: blocked.message)
            trace.finish(status: error.status, outcome: .rejected, errorClass: error.code, usage: blocked.usage, bus: runtime.bus)
            var fields = headers(contentType: Responses.jsonContentType)
            fields[.contentType] = nil
            return Responses.error(error, shape: inboundWire == .anthropicMessages ? .anthropic : .openAI, requestID: requestID, extra: fields)
        } catch {
            recordAttempt(status: response.status, errorClass: .upstreamInvalidResponse, since: attemptStart)
            return nil
        }
        recordAttempt(status: response.status, errorClass: nil, since: attemptStart)
        trace.served(by: deployment)
        trace.markFirstByte()
        var body = output
        if let guardrails {
            guard let result = GuardrailBodyFilter.apply(guardrails, to: output, wire: inboundWire, direction: .response) else {
                throw GatewayError.upstreamFailed(status: 502, message: "The upstream answer is not valid JSON.")
            }
            trace.recordGuardrails(result.decisions, bus: runtime.bus)
            if let block = result.block {
                // The answer is withheld (the vendor still billed it): same error as a blocked request.
                let error = GuardrailBodyFilter.blockedError(block)
                trace.finish(status: error.status, outcome: .rejected, errorClass: error.code, usage: usage, bus: runtime.bus)
                var fields = headers(contentType: Responses.jsonContentType)
                fields[.contentType] = nil
                return Responses.error(error, shape: inboundWire == .anthropicMessages ? .anthropic : .openAI, requestID: requestID, extra: fields)
            }
            body = result.body ?? output
        }
        if let responsesFront {
            guard let translated = try? ChatToResponsesAnswer.translate(body, as: responsesFront) else {
                throw GatewayError.upstreamFailed(status: 502, message: "The upstream answer could not be read as a chat completion.")
            }
            body = translated
        }
        trace.finish(status: 200, outcome: .success, usage: usage, bus: runtime.bus)
        return Response(status: .ok, headers: headers(contentType: Responses.jsonContentType), body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    // MARK: Streams

    private func makeStreamState(body: UpstreamBody) -> StreamState {
        let bridge = self.bridge
        let translator = bridge.streamTranslator(responseModel: deployment.upstreamModel, clientRequestedUsage: inbound.clientRequestedUsage)
        let front = responsesFront.map(ChatToResponsesStream.init(response:))
        if let guardrails {
            // Response guardrails rewrite text deltas: event by event, never the byte-level fast path.
            return StreamState(translator: translator, body: body,
                               guardrail: GuardrailStreamFilter(engine: guardrails, wire: inboundWire, windowBytes: runtime.settings.guardrailWindowBytes),
                               front: front, reader: bridge.eventReader())
        }
        if let fast = bridge.fastPassthrough(clientRequestedUsage: inbound.clientRequestedUsage) {
            return StreamState(fast: fast, body: body, front: front)
        }
        return StreamState(translator: translator, body: body, front: front, reader: bridge.eventReader())
    }

    private func relayStream(_ response: UpstreamResponse, attemptStart: ContinuousClock.Instant) async throws -> Response? {
        let state = makeStreamState(body: response.body)
        var machine = StreamRelayMachine(deadline: trace.started + .milliseconds(totalTimeoutMs))
        // Peek window: hold everything back until the first content byte, so a failure before it
        // can still fail over to another deployment invisibly.
        peek: while true {
            switch machine.handle(await state.readNext()) {
            case .read: continue
            case .commit: break peek
            case .failOver(let reason):
                recordAttempt(status: response.status, errorClass: reason, since: attemptStart)
                return nil
            case .abandon:
                finishAbandoned(response, outputBytes: state.outputBytes, reported: state.usage, since: attemptStart)
                throw CancellationError()
            case .flushAndRead, .finishUpstream, .probeClient, .end, .writeTail, .withholdTail, .ignore:
                // Not reachable while peeking (StreamRelayMachineTests); treat as an unusable stream.
                recordAttempt(status: response.status, errorClass: .upstreamStreamFailed, since: attemptStart)
                return nil
            }
        }
        recordAttempt(status: response.status, errorClass: nil, since: attemptStart)
        trace.served(by: deployment)
        let writerContext = StreamWriterContext(
            runtime: runtime, inboundWire: inboundWire, deployment: deployment, trace: trace, promptEstimate: promptEstimate)
        var fields = headers(contentType: Responses.eventStreamContentType)
        fields[.cacheControl] = "no-cache"
        let committed = machine
        return Response(status: .ok, headers: fields, body: ResponseBody { writer in
            await writerContext.stream(state, machine: committed, to: &writer)
        })
    }
}
