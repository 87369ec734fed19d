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
    let upstreamWire: WireProtocol
    let inbound: InboundRequest
    let deployment: Deployment
    let trace: CallTrace
    let requestID: String
    /// The alias's total time budget; a stream still running past it ends with an in-band error.
    var totalTimeoutMs: Int = 600_000
    /// Set when the caller's response guardrails do something (the engine is active for responses).
    var guardrails: GuardrailEngine?

    func relay(_ response: UpstreamResponse, attemptStart: ContinuousClock.Instant) async throws -> Response? {
        inbound.stream
            ? try await relayStream(response, attemptStart: attemptStart)
            : try await relayPlain(response, attemptStart: attemptStart)
    }

    private func recordAttempt(status: Int?, errorClass: ErrorCode?, since start: ContinuousClock.Instant) {
        trace.record.attempts.append(.init(
            deployment: deployment.id, provider: deployment.provider, status: status, errorClass: errorClass?.rawValue,
            latencyMs: CallTrace.milliseconds(ContinuousClock.now - start)))
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
    private var promptEstimate: Int { EarlyEndSettlement.promptEstimate(bodyBytes: inbound.body.count) }

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
            switch (inboundWire, upstreamWire) {
            case (.openAIChat, .openAIChat):
                let scan = try JSONObjectScanner(bytes)
                (output, usage) = (bytes, scan.rawValue("usage", in: bytes).flatMap { ResponseTranslator.usage(fromOpenAIUsageObject: $0) })
            case (.anthropicMessages, .anthropicMessages):
                let scan = try JSONObjectScanner(bytes)
                (output, usage) = (bytes, scan.rawValue("usage", in: bytes).flatMap { ResponseTranslator.usage(fromAnthropicUsageObject: $0) })
            case (.openAIChat, .anthropicMessages):
                (output, usage) = try ResponseTranslator.anthropicToOpenAI(bytes, responseModel: deployment.upstreamModel)
            case (.anthropicMessages, .openAIChat):
                (output, usage) = try ResponseTranslator.openAIToAnthropic(bytes, responseModel: deployment.upstreamModel)
            }
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
        trace.finish(status: 200, outcome: .success, usage: usage, bus: runtime.bus)
        return Response(status: .ok, headers: headers(contentType: Responses.jsonContentType), body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    // MARK: Streams

    private func makeStreamState(body: UpstreamBody) -> StreamState {
        if let guardrails {
            // Response guardrails rewrite text deltas: event by event, never the byte-level fast path.
            return StreamState(translator: makeTranslator(), body: body,
                               guardrail: GuardrailStreamFilter(engine: guardrails, wire: inboundWire, windowBytes: runtime.settings.guardrailWindowBytes))
        }
        if inboundWire == .openAIChat, upstreamWire == .openAIChat {
            return StreamState(fast: OpenAIFastPassthrough(clientRequestedUsage: inbound.clientRequestedUsage), body: body)
        }
        return StreamState(translator: makeTranslator(), body: body)
    }

    private func makeTranslator() -> any StreamTranslator {
        switch (inboundWire, upstreamWire) {
        case (.openAIChat, .openAIChat): OpenAIPassthroughStream(clientRequestedUsage: inbound.clientRequestedUsage)
        case (.anthropicMessages, .anthropicMessages): AnthropicPassthroughStream()
        case (.openAIChat, .anthropicMessages):
            AnthropicToOpenAIStream(responseModel: deployment.upstreamModel, clientRequestedUsage: inbound.clientRequestedUsage)
        case (.anthropicMessages, .openAIChat): OpenAIToAnthropicStream(responseModel: deployment.upstreamModel)
        }
    }

    private func relayStream(_ response: UpstreamResponse, attemptStart: ContinuousClock.Instant) async throws -> Response? {
        let state = makeStreamState(body: response.body)
        // Peek window: hold everything back until the first content byte, so a failure before it
        // can still fail over to another deployment invisibly.
        do {
            while !state.emittedContent, !state.sawTerminalEvent, state.upstreamError == nil, !state.guardrailBlocked {
                guard let chunk = try await state.body.next() else { break }
                try state.feed(chunk)
            }
        } catch is CancellationError {
            finishAbandoned(response, outputBytes: state.outputBytes, reported: state.usage, since: attemptStart)
            throw CancellationError()
        } catch {
            recordAttempt(status: response.status, errorClass: .upstreamStreamFailed, since: attemptStart)
            return nil
        }
        if !state.emittedContent, !state.guardrailBlocked {
            let reason: ErrorCode? = state.upstreamError != nil ? .upstreamStreamError
                : (state.sawTerminalEvent ? nil : .upstreamStreamTruncated)
            if let reason {
                recordAttempt(status: response.status, errorClass: reason, since: attemptStart)
                return nil
            }
        }
        recordAttempt(status: response.status, errorClass: nil, since: attemptStart)
        trace.served(by: deployment)
        let writerContext = StreamWriterContext(
            runtime: runtime, inboundWire: inboundWire, deployment: deployment, trace: trace,
            deadline: trace.started + .milliseconds(totalTimeoutMs), promptEstimate: promptEstimate)
        var fields = headers(contentType: Responses.eventStreamContentType)
        fields[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: fields, body: ResponseBody { writer in
            await writerContext.stream(state, to: &writer)
        })
    }
}

/// The per-stream translator and upstream body, owned by one task at a time.
final class StreamState: @unchecked Sendable {
    // Safety: created by the handler, which peeks, then handed to the response writer, which
    // finishes the stream; the two never run concurrently.
    // Exactly one of `fast` / `translator` is set. Optionals rather than an enum so that
    // mutation happens in place (an enum payload would be copied, and its buffers with it).
    /// Same-protocol OpenAI: byte-level pass-through.
    private var fast: OpenAIFastPassthrough?
    /// Everything else: SSE events through a translator.
    private var parser = SSEParser()
    private var translator: (any StreamTranslator)?
    /// Response guardrails over the client-bound events (translator path only).
    private var guardrail: GuardrailStreamFilter?
    let body: UpstreamBody
    var pending: [UInt8] = []

    init(translator: any StreamTranslator, body: UpstreamBody, guardrail: GuardrailStreamFilter? = nil) {
        self.translator = translator
        self.body = body
        self.guardrail = guardrail
    }

    /// A response guardrail blocked: the in-band error is pending, stop reading upstream.
    var guardrailBlocked: Bool { guardrail?.blocked != nil }
    var guardrailDecisions: [GuardrailDecision] { guardrail?.decisions ?? [] }

    private func emit(_ bytes: [UInt8]) throws {
        // Optional chaining mutates in place (no copy of the filter's buffers, no force unwrap).
        if let filtered = try guardrail?.process(bytes) {
            pending.append(contentsOf: filtered)
        } else {
            pending.append(contentsOf: bytes)
        }
    }

    init(fast: OpenAIFastPassthrough, body: UpstreamBody) {
        self.fast = fast
        self.body = body
    }

    var emittedContent: Bool { fast?.emittedContent ?? translator?.emittedContent ?? false }
    var sawTerminalEvent: Bool { fast?.sawTerminalEvent ?? translator?.sawTerminalEvent ?? false }
    var upstreamError: UpstreamStreamError? { fast != nil ? fast?.upstreamError : translator?.upstreamError }
    var usage: TokenUsage? { fast != nil ? fast?.usage : translator?.usage }
    /// Model output received from the upstream so far (before guardrails, whether or not sent).
    var outputBytes: Int { fast?.outputBytes ?? translator?.outputBytes ?? 0 }

    /// What the call is billed (`EarlyEndSettlement`): the upstream's report when the stream
    /// `completed` with one, else at least the prompt estimate and the output received.
    func settlement(completed: Bool, promptEstimate: Int) -> EarlyEndSettlement.Settled {
        EarlyEndSettlement.settle(completed: completed, reported: usage, promptEstimate: promptEstimate, outputBytes: outputBytes)
    }

    func feed(_ chunk: ByteBuffer) throws {
        if fast != nil {
            pending.append(contentsOf: try fast?.feed(chunk.readableBytesView) ?? [])
            return
        }
        for event in try parser.append(chunk.readableBytesView) {
            try emit(try translator?.translate(event) ?? [])
        }
    }

    /// The upstream ended: flush what the parser still holds and the translator's trailer.
    func finishUpstream() throws {
        if fast != nil {
            pending.append(contentsOf: try fast?.finish() ?? [])
            return
        }
        for event in parser.finish() { try emit(try translator?.translate(event) ?? []) }
        try emit(translator?.finish() ?? [])
        if let tail = guardrail?.finish() { pending.append(contentsOf: tail) }
    }

    func takePending() -> [UInt8] {
        defer { pending.removeAll(keepingCapacity: true) }
        return pending
    }
}

/// Writes the rest of a stream to the client, ending it honestly: the upstream's own terminator,
/// or an in-band error event in the client's protocol, never a fake `[DONE]`.
struct StreamWriterContext: Sendable {
    let runtime: GatewayRuntime
    let inboundWire: WireProtocol
    let deployment: Deployment
    let trace: CallTrace
    let deadline: ContinuousClock.Instant
    /// The admission estimate's prompt tokens (`EarlyEndSettlement`).
    let promptEstimate: Int

    func stream(_ state: StreamState, to writer: inout any ResponseBodyWriter) async {
        var hits = LiveGuardrailHits()
        do {
            try await flushUnlessFinal(state, to: &writer)
            var failure: ErrorCode?
            do {
                var overran = false
                while !state.sawTerminalEvent, state.upstreamError == nil, !state.guardrailBlocked {
                    guard let chunk = try await state.body.next() else { break }
                    try state.feed(chunk)
                    try await flushUnlessFinal(state, to: &writer)
                    // Hits go on the bus as they happen (the console shows them live).
                    hits.publishNew(state.guardrailDecisions, requestId: trace.record.requestId, bus: runtime.bus)
                    // A silent upstream is cut by the transport's idle timer; a chatty one that
                    // runs past the alias's total budget is cut here.
                    if ContinuousClock.now > deadline, !state.sawTerminalEvent {
                        overran = true
                        break
                    }
                }
                if !overran, !state.guardrailBlocked { try state.finishUpstream() }
                if state.guardrailBlocked {
                    failure = .guardrailBlocked
                } else if overran {
                    failure = .upstreamTotalTimeout
                } else if state.upstreamError != nil {
                    failure = .upstreamStreamError
                } else if !state.sawTerminalEvent {
                    failure = .upstreamStreamTruncated
                }
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                failure = .upstreamStreamFailed
                // A client that goes away often surfaces first as a failed upstream read. Before
                // recording a truncation, probe the client with an SSE comment (ignored by every
                // SSE parser): if the write fails the client left, and the call was cancelled.
                try await writer.write(ByteBuffer(string: ":\n\n"))
            }
            if let failure, state.upstreamError == nil, !state.guardrailBlocked {
                state.pending.append(contentsOf: inBandError(failure))
            }
            // The record is finished before the stream's last bytes (its terminating event, or
            // the in-band error) go out, and in strict mode is durable first: a client that saw
            // the end of a stream can rely on its record. (So a client vanishing during that
            // very last write is recorded with the outcome it was about to get.)
            hits.publishNew(state.guardrailDecisions, requestId: trace.record.requestId, bus: runtime.bus)
            trace.record.guardrails.append(contentsOf: state.guardrailDecisions)
            if !state.pending.isEmpty { trace.markFirstByte() }
            // A stream that ended early (`failure`) settles at least what was delivered.
            trace.finish(status: 200, outcome: failure == nil ? .success : .truncated, errorClass: failure,
                         settled: state.settlement(completed: failure == nil, promptEstimate: promptEstimate), bus: runtime.bus)
            if !(await trace.makeDurable()) {
                // Not recorded: withhold the end and say why, in-band.
                _ = state.takePending()
                state.pending.append(contentsOf: inBandError(.evidenceUnavailable, message: GatewayError.evidenceUnavailable.message))
            }
            try await flush(state, to: &writer)
            try await writer.finish(nil)
        } catch {
            // The client went away (or the server is shutting down): stop reading upstream.
            hits.publishNew(state.guardrailDecisions, requestId: trace.record.requestId, bus: runtime.bus)
            trace.record.guardrails.append(contentsOf: state.guardrailDecisions)
            // Hanging up before the usage report evades nothing: what was delivered is settled.
            trace.finish(status: 499, outcome: .cancelled, errorClass: .clientDisconnected,
                         settled: state.settlement(completed: false, promptEstimate: promptEstimate), bus: runtime.bus)
            _ = await trace.makeDurable()
        }
    }

    /// Sends what is pending unless the stream has reached its end (terminating event, upstream
    /// error or guardrail block): that tail waits until the record is finished (and durable).
    private func flushUnlessFinal(_ state: StreamState, to writer: inout any ResponseBodyWriter) async throws {
        guard !state.sawTerminalEvent, state.upstreamError == nil, !state.guardrailBlocked else { return }
        try await flush(state, to: &writer)
    }

    private func flush(_ state: StreamState, to writer: inout any ResponseBodyWriter) async throws {
        guard !state.pending.isEmpty else { return }
        let bytes = state.takePending()
        try await writer.write(ByteBuffer(bytes: bytes))
        trace.markFirstByte()
    }

    private func inBandError(_ reason: ErrorCode, message explicit: String? = nil) -> [UInt8] {
        let message = explicit ?? "The upstream stream from deployment '\(deployment.id)' ended before completion (\(reason)); the response is incomplete."
        switch inboundWire {
        case .openAIChat: return StreamErrorEvent.openAI(message: message, type: .apiError, code: reason)
        case .anthropicMessages: return StreamErrorEvent.anthropic(type: .apiError, message: message)
        }
    }
}
