import AAMCore
import AAMProviders

/// Applies a guardrail engine to a whole (non-streamed) chat body: a request before it goes
/// upstream, or a client-bound response.
struct GuardrailBodyFilter {
    /// The body to send instead (nil when nothing was redacted).
    var body: [UInt8]?
    /// Every decision, in body order.
    var decisions: [GuardrailDecision] = []
    /// The first `block` decision, if any.
    var block: GuardrailDecision?

    /// - Returns: nil when the body is not JSON (the caller has validated it already).
    static func apply(
        _ engine: GuardrailEngine, to bytes: [UInt8], wire: WireProtocol, direction: GuardrailDirection
    ) -> GuardrailBodyFilter? {
        apply(engine, to: bytes, direction: direction) { root, visit in
            switch direction {
            case .request: GuardrailTexts.request(&root, wire: wire, visit)
            case .response: GuardrailTexts.response(&root, wire: wire, visit)
            }
        }
    }

    /// An embeddings request: every `input` text is screened like a chat message.
    static func applyToEmbeddings(_ engine: GuardrailEngine, to bytes: [UInt8]) -> GuardrailBodyFilter? {
        apply(engine, to: bytes, direction: .request) { root, visit in GuardrailTexts.embeddingsRequest(&root, visit) }
    }

    private static func apply(
        _ engine: GuardrailEngine, to bytes: [UInt8], direction: GuardrailDirection,
        walk: (inout WireJSON, GuardrailTexts.Visit) -> Void
    ) -> GuardrailBodyFilter? {
        guard var root = try? WireJSON.parse(bytes) else { return nil }
        var result = GuardrailBodyFilter()
        var changed = false
        let visit: GuardrailTexts.Visit = { text, location in
            guard result.block == nil else { return nil }
            let inspection = engine.inspect(text, direction: direction, location: location)
            result.decisions.append(contentsOf: inspection.decisions)
            if let block = inspection.block {
                result.block = block
                return nil
            }
            guard inspection.isRedacted else { return nil }
            changed = true
            return inspection.text
        }
        walk(&root, visit)
        if changed, result.block == nil { result.body = root.serialized() }
        return result
    }

    /// The error a block becomes: 400 `guardrail_blocked`, naming the detector and where it
    /// matched, never the text.
    static func blockedError(_ block: GuardrailDecision) -> GatewayError {
        let what = block.direction == .request ? "request" : "response"
        return GatewayError(
            status: 400, type: .invalidRequestError, code: .guardrailBlocked,
            message: "The \(what) was blocked by a guardrail (guardrail_blocked): detector '\(block.detector)' matched in \(block.location).")
    }
}

extension CallTrace {
    /// Adds guardrail decisions to the record and publishes each hit on the bus.
    func recordGuardrails(_ decisions: [GuardrailDecision], bus: EventBus) {
        guard !decisions.isEmpty else { return }
        record.guardrails.append(contentsOf: decisions)
        for decision in decisions where decision.action != .allow {
            bus.publish(.guardrailHit(requestId: record.requestId, decision: decision))
        }
    }
}
