import AAMCore
import AAMProviders
import NIOCore

/// The per-stream translator and upstream body, owned by one task at a time.
final class StreamState: @unchecked Sendable {
    // Safety: created by the handler, which peeks, then handed to the response writer, which
    // finishes the stream; the two never run concurrently.
    // Exactly one of `fast` / `translator` is set. Optionals rather than an enum so that
    // mutation happens in place (an enum payload would be copied, and its buffers with it).
    /// Same protocol both sides (OpenAI chat, the Responses API): byte-level pass-through.
    private var fast: (any ByteStreamPassthrough)?
    /// Everything else: the vendor's events (SSE, or Bedrock's event stream) through a translator.
    private var reader: any UpstreamEventReader
    private var translator: (any StreamTranslator)?
    /// Response guardrails over the client-bound events (translator path only).
    private var guardrail: GuardrailStreamFilter?
    /// The client speaks the Responses API: every client-bound chat byte is rewritten last.
    private var front: ChatToResponsesStream?
    let body: UpstreamBody
    private(set) var pending: [UInt8] = []

    init(translator: any StreamTranslator, body: UpstreamBody, guardrail: GuardrailStreamFilter? = nil,
         front: ChatToResponsesStream? = nil, reader: any UpstreamEventReader = SSEEventReader()) {
        self.translator = translator
        self.reader = reader
        self.body = body
        self.guardrail = guardrail
        self.front = front
    }

    /// Queues client-bound chat bytes (through the Responses front when there is one).
    func deliver(_ bytes: [UInt8]) {
        if front != nil {
            pending.append(contentsOf: front?.translate(bytes) ?? [])
        } else {
            pending.append(contentsOf: bytes)
        }
    }

    /// Drops what is pending (the stream's end) and ends it with `chatError` instead.
    func replaceEnd(withChatError chatError: [UInt8], code: ErrorCode, message: String) {
        pending.removeAll(keepingCapacity: true)
        if front != nil {
            pending.append(contentsOf: front?.failure(code: code.rawValue, message: message) ?? [])
        } else if let numbered = responsesFailure(code: code, message: message) {
            pending.append(contentsOf: numbered)
        } else {
            pending.append(contentsOf: chatError)
        }
    }

    /// Queues the gateway's own in-band error that ends the stream: `chatError` (in the chat
    /// or Messages protocol; the Responses front translates it), or, on a Responses
    /// pass-through, `error` + `response.failed` numbered on from the client's last event.
    func deliverFailure(_ chatError: [UInt8], code: ErrorCode, message: String) {
        if front == nil, let numbered = responsesFailure(code: code, message: message) {
            pending.append(contentsOf: numbered)
        } else {
            deliver(chatError)
        }
    }

    /// A Responses pass-through's numbered end: the guardrail filter renumbers what it passes,
    /// so it knows the client's numbering when it is there; else the byte-level pass-through.
    private func responsesFailure(code: ErrorCode, message: String) -> [UInt8]? {
        if guardrail != nil, let numbered = guardrail?.responsesFailure(code: code.rawValue, message: message) { return numbered }
        return fast?.inBandFailure(code: code.rawValue, message: message)
    }

    /// A response guardrail blocked: the in-band error is pending, stop reading upstream.
    var guardrailBlocked: Bool { guardrail?.blocked != nil }
    var guardrailDecisions: [GuardrailDecision] { guardrail?.decisions ?? [] }

    private func emit(_ bytes: [UInt8]) throws {
        // Optional chaining mutates in place (no copy of the filter's buffers, no force unwrap).
        if let filtered = try guardrail?.process(bytes) {
            deliver(filtered)
        } else {
            deliver(bytes)
        }
    }

    init(fast: any ByteStreamPassthrough, body: UpstreamBody, front: ChatToResponsesStream? = nil) {
        self.fast = fast
        self.body = body
        self.front = front
        self.reader = SSEEventReader()
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
            deliver(try fast?.feed(chunk.readableBytesView) ?? [])
            return
        }
        for event in try reader.append(chunk.readableBytesView) {
            try emit(try translator?.translate(event) ?? [])
        }
    }

    /// The upstream ended: flush what the parser still holds and the translator's trailer.
    func finishUpstream() throws {
        if fast != nil {
            deliver(try fast?.finish() ?? [])
            return
        }
        for event in try reader.finish() { try emit(try translator?.translate(event) ?? []) }
        try emit(translator?.finish() ?? [])
        if let tail = guardrail?.finish() { deliver(tail) }
    }

    func takePending() -> [UInt8] {
        defer { pending.removeAll(keepingCapacity: true) }
        return pending
    }

    /// What the machine needs to know after a chunk (`StreamRelayMachine.Progress`).
    var progress: StreamRelayMachine.Progress {
        .init(emittedContent: emittedContent, sawTerminalEvent: sawTerminalEvent, upstreamError: upstreamError != nil,
              guardrailBlocked: guardrailBlocked)
    }

    /// Reads and translates the next upstream chunk, reported as the machine's event: a chunk
    /// fed, the end of the body, a failed read or translation, or the client gone (cancellation).
    func readNext() async -> StreamRelayMachine.Event {
        do {
            guard let chunk = try await body.next() else { return .upstreamEnded }
            try feed(chunk)
            return .fed(progress, now: .now)
        } catch is CancellationError {
            return .clientGone
        } catch {
            return .upstreamReadFailed
        }
    }
}
