import AAMCore
import AAMProviders
import Hummingbird
import NIOCore

/// Writes the rest of a stream to the client, ending it honestly: the upstream's own terminator,
/// or an in-band error event in the client's protocol, never a fake `[DONE]`.
struct StreamWriterContext: Sendable {
    let runtime: GatewayRuntime
    let inboundWire: WireProtocol
    let deployment: Deployment
    let trace: CallTrace
    /// The admission estimate's prompt tokens (`EarlyEndSettlement`).
    let promptEstimate: Int

    /// Runs `machine` (committed by the relay's peek) to the end of the stream: each action is
    /// done here, each outcome goes back as the next event.
    func stream(_ state: StreamState, machine committed: StreamRelayMachine, to writer: inout any ResponseBodyWriter) async {
        var machine = committed
        var hits = LiveGuardrailHits()
        var action = machine.handle(.responseStarted)
        while true {
            switch action {
            case .flushAndRead:
                do {
                    try await flush(state, to: &writer)
                } catch {
                    action = machine.handle(.clientGone)
                    continue
                }
                // Hits go on the bus as they happen (the console shows them live).
                hits.publishNew(state.guardrailDecisions, requestId: trace.record.requestId, bus: runtime.bus)
                action = machine.handle(await state.readNext())
            case .read:
                action = machine.handle(await state.readNext())
            case .finishUpstream:
                do {
                    try state.finishUpstream()
                    action = machine.handle(.upstreamFinished(state.progress))
                } catch {
                    action = machine.handle(.upstreamReadFailed)
                }
            case .probeClient:
                // SSE comments are ignored by every SSE parser: if this write fails, the client left.
                do {
                    try await writer.write(ByteBuffer(string: ":\n\n"))
                    action = machine.handle(.clientStillThere)
                } catch {
                    action = machine.handle(.clientGone)
                }
            case .end(let failure, let inBandError):
                if let failure, inBandError {
                    state.deliverFailure(self.inBandError(failure), code: failure, message: truncationMessage(failure))
                }
                // The record is finished before the stream's last bytes (its terminating event, or
                // the in-band error) go out, and in strict mode is durable first: a client that saw
                // the end of a stream can rely on its record. (So a client vanishing during that
                // very last write is recorded with the outcome it was about to get.)
                recordGuardrails(state, hits: &hits)
                if !state.pending.isEmpty { trace.markFirstByte() }
                // A stream that ended early (`failure`) settles at least what was delivered. A
                // vendor's safety block before any content (the translator's in-band
                // `content_filter` error, Gemini) is a refusal, not a broken stream.
                let blocked = failure == .upstreamStreamError && state.upstreamError?.type == ErrorCode.contentFiltered.rawValue
                trace.finish(status: 200, outcome: blocked ? .rejected : failure == nil ? .success : .truncated,
                             errorClass: blocked ? .contentFiltered : failure,
                             settled: state.settlement(completed: failure == nil, promptEstimate: promptEstimate), bus: runtime.bus)
                action = machine.handle(.recorded(durable: await trace.makeDurable()))
            case .writeTail, .withholdTail:
                if action == .withholdTail {
                    // Not recorded: withhold the end and say why, in-band.
                    state.replaceEnd(
                        withChatError: inBandError(.evidenceUnavailable, message: GatewayError.evidenceUnavailable.message),
                        code: .evidenceUnavailable, message: GatewayError.evidenceUnavailable.message)
                }
                do {
                    try await flush(state, to: &writer)
                    try await writer.finish(nil)
                } catch {
                    _ = machine.handle(.clientGone)
                }
                return
            case .abandon(let errorClass):
                // The client went away (or the server is shutting down): stop reading upstream.
                // Hanging up before the usage report evades nothing: what was delivered is settled.
                recordGuardrails(state, hits: &hits)
                trace.finish(status: 499, outcome: .cancelled, errorClass: errorClass,
                             settled: state.settlement(completed: false, promptEstimate: promptEstimate), bus: runtime.bus)
                _ = await trace.makeDurable()
                return
            case .commit, .failOver, .ignore:
                // Not reachable once the head is out (StreamRelayMachineTests).
                return
            }
        }
    }

    private func recordGuardrails(_ state: StreamState, hits: inout LiveGuardrailHits) {
        hits.publishNew(state.guardrailDecisions, requestId: trace.record.requestId, bus: runtime.bus)
        trace.record.guardrails.append(contentsOf: state.guardrailDecisions)
    }

    private func flush(_ state: StreamState, to writer: inout any ResponseBodyWriter) async throws {
        guard !state.pending.isEmpty else { return }
        let bytes = state.takePending()
        try await writer.write(ByteBuffer(bytes: bytes))
        trace.markFirstByte()
    }

    private func truncationMessage(_ reason: ErrorCode) -> String {
        "The upstream stream from deployment '\(deployment.id)' ended before completion (\(reason)); the response is incomplete."
    }

    private func inBandError(_ reason: ErrorCode, message explicit: String? = nil) -> [UInt8] {
        let message = explicit ?? truncationMessage(reason)
        switch inboundWire {
        // A Responses pass-through ends with its own numbered events instead
        // (`StreamState.deliverFailure`); the chat event is what a translated stream's front reads.
        case .openAIChat, .openAIResponses: return StreamErrorEvent.openAI(message: message, type: .apiError, code: reason)
        case .anthropicMessages: return StreamErrorEvent.anthropic(type: .apiError, message: message)
        }
    }
}
