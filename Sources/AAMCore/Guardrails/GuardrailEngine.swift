/// The guardrail engine for one effective policy: compiled once, used by every call under it.
///
/// How the server uses it:
/// 1. When a config snapshot is built (start, `SIGHUP`, `PUT /admin/guardrails/SCOPE`), resolve
///    each key's chain with `GuardrailScope.chain(...)`, look up the scopes' `GuardrailPolicy`s,
///    and build `GuardrailEngine(policy: EffectiveGuardrailPolicy(chain:))`. Cache it by the
///    chain (many keys share one); compiling custom patterns is the expensive part.
/// 2. Request (after admission, before routing): for every text the model will see — each
///    message's string content or text parts, system prompts (OpenAI `system` messages and the
///    Anthropic `system` field), tool-call arguments, tool results — call
///    `inspect(text, direction: .request, location: "messages[2].content")` on the DECODED string
///    (JSON escapes resolved, or `\u0040` would hide an `@`). If any `block` is set, answer 400
///    with code `guardrail_blocked` and a message naming `block.detector`. Otherwise forward
///    the request with each redacted field replaced by `inspection.text` (when `isRedacted`).
/// 3. Non-streamed response: the same with `direction: .response` over each choice's content
///    and tool-call arguments; a block becomes the same error instead of the answer.
/// 4. Streamed response: one `streamRedactor(location:)` per text channel (per choice content,
///    per tool-call arguments). For every upstream delta call `feed(_:)` and send the returned
///    `text` (skip empty); before the final event (`finish_reason` / `message_stop`) call
///    `finish()` and send its text. When an output carries `blocked`, send its text, then the
///    in-band error event and end the stream (never a `[DONE]`).
/// 5. Evidence: append every `GuardrailDecision` to the call record and publish one event per
///    decision on the bus; none of them carries matched text.
///
/// Cost: `isActive(direction)` is false when every detector is `allow` — skip the work. Scanning
/// is one pass; see `scripts/bench-guardrails` for MB/s and the per-call latency.
public struct GuardrailEngine: Sendable {
    public let policy: EffectiveGuardrailPolicy
    private let requestScanner: GuardrailScanner
    private let responseScanner: GuardrailScanner

    /// - Throws: `GuardrailConfigError` for an unusable custom detector or denylist pattern.
    public init(policy: EffectiveGuardrailPolicy) throws(GuardrailConfigError) {
        self.policy = policy
        func scanner(_ direction: GuardrailDirection) throws(GuardrailConfigError) -> GuardrailScanner {
            let active = policy.actions(direction).filter { $0.value > .allow }.keys
            return try GuardrailScanner(detectors: active, denylist: policy.denylist, customDetectors: policy.customDetectors)
        }
        self.requestScanner = try scanner(.request)
        self.responseScanner = try scanner(.response)
    }

    /// The compiled scanner for a direction (only detectors whose action is not `allow`).
    public func scanner(for direction: GuardrailDirection) -> GuardrailScanner {
        direction == .request ? requestScanner : responseScanner
    }

    /// Whether any detector runs in `direction`.
    public func isActive(_ direction: GuardrailDirection) -> Bool { !scanner(for: direction).isEmpty }

    /// Scans `text` and applies the policy: counts per detector, redacts, reports a block.
    /// - Parameter location: where the text sits in the call, for evidence (`messages[0].content`).
    public func inspect(_ text: String, direction: GuardrailDirection, location: String) -> GuardrailInspection {
        let scanner = scanner(for: direction)
        guard !scanner.isEmpty else { return GuardrailInspection(text: text) }
        let actions = policy.actions(direction)
        var contiguous = text
        return contiguous.withUTF8 { bytes in
            let p = ScanBuffer(base: bytes)
            let matches = scanner.scan(bytes: p, text: { text })
            guard !matches.isEmpty else { return GuardrailInspection(text: text) }
            var tally = GuardrailTally()
            var firstBlock: GuardrailDetector?
            var redacts = false
            for match in matches {
                tally.add(match.detector)
                switch actions[match.detector] {
                case .block?: if firstBlock == nil { firstBlock = match.detector }
                case .redact?: redacts = true
                default: break
                }
            }
            let decisions = tally.decisions(actions, direction: direction, location: location)
            let block = firstBlock.flatMap { detector in decisions.first { $0.detector == detector } }
            guard redacts, block == nil else { return GuardrailInspection(text: text, decisions: decisions, block: block) }
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count)
            Redactor.write(p, 0..<bytes.count, matches, actions, into: &out)
            return GuardrailInspection(text: String(decoding: out, as: UTF8.self), decisions: decisions)
        }
    }

    /// A redactor for one streamed text channel of a response (or, rarely, a streamed request).
    public func streamRedactor(
        direction: GuardrailDirection = .response, location: String, window: Int = StreamRedactor.defaultWindow
    ) -> StreamRedactor {
        StreamRedactor(
            scanner: scanner(for: direction), actions: policy.actions(direction), direction: direction,
            location: location, window: window)
    }
}
