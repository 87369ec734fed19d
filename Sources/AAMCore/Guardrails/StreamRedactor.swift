/// Applies a guardrail policy to a streamed text: feed each delta, send what comes back.
///
/// It holds back the last `window` bytes (plus a small look-ahead margin) of what it was fed,
/// because they may be the head of a match that the next delta completes. Every feed rescans the
/// held bytes together with up to 272 already-sent bytes of left context (for word boundaries
/// and the look-behind of e-mail, assignment and AWS-secret detection), then releases the bytes
/// that can no longer become part of a new match, with `redact` matches replaced.
///
/// Guarantees:
/// - A match no longer than `window` bytes is caught whole, whatever the chunking (cut at any
///   byte, even inside a UTF-8 character), and none of its bytes is released before it is
///   redacted or the stream blocked. A match still in progress when the window fills is held
///   back whole (up to 64 KB) rather than released.
/// - An unterminated PEM private-key block (`-----BEGIN … PRIVATE KEY-----` with no END yet) is
///   replaced by its placeholder at once, and everything up to its END line is dropped.
/// - Output never splits a UTF-8 character.
/// - On a `block` match the output carries `blocked` once; the text with it is what precedes the
///   match; further feeds return nothing. End the stream with an in-band error.
///
/// Cost per feed: one scan of roughly `window + 272 + delta` bytes (measured in
/// `scripts/bench-guardrails`).
public struct StreamRedactor: Sendable {
    /// Default hold-back. Covers every built-in match except long JWTs and PEM blocks (the
    /// longest e-mail is 64 + 254 bytes but real ones are far shorter; API keys and tokens are
    /// under 120). PEM blocks are handled by the unterminated rule; raise it for big JWTs.
    public static let defaultWindow = 256
    /// Bytes of already-sent text kept for look-behind.
    static let contextLimit = 272
    /// Detectors peek this far past a match end to check its boundary.
    static let lookAhead = 16
    /// A growing match is held at most this long before it is released redacted-so-far.
    static let maxHeld = 65_536

    public struct Output: Sendable, Hashable {
        /// Safe to send now (may be empty).
        public var text: String
        /// Set once, when a `block` detector matched: send `text`, then end with an error.
        public var blocked: GuardrailDecision?
    }

    public let window: Int
    public let direction: GuardrailDirection
    public let location: String
    private let scanner: GuardrailScanner
    private let actions: [GuardrailDetector: GuardrailAction]
    /// Sent context (`buffer[..<sent]`) followed by held text.
    private var buffer: [UInt8] = []
    private var sent = 0
    private var tally = GuardrailTally()
    private var blockedDecision: GuardrailDecision?
    /// Inside a redacted unterminated private key: dropping input until its END line.
    private var dropping = false

    init(
        scanner: GuardrailScanner, actions: [GuardrailDetector: GuardrailAction], direction: GuardrailDirection,
        location: String, window: Int
    ) {
        self.scanner = scanner
        self.actions = actions
        self.direction = direction
        self.location = location
        self.window = max(window, 1)
    }

    /// Decisions so far (final after `finish()`): one per detector, with counts.
    public var decisions: [GuardrailDecision] { tally.decisions(actions, direction: direction, location: location) }

    /// Whether a `block` match ended this stream.
    public var isBlocked: Bool { blockedDecision != nil }

    /// Takes the next delta; returns the text that is safe to send now.
    public mutating func feed(_ delta: String) -> Output {
        guard blockedDecision == nil else { return Output(text: "") }
        buffer.append(contentsOf: delta.utf8)
        return release(final: false)
    }

    /// The stream ended: returns everything still held, redacted.
    public mutating func finish() -> Output {
        guard blockedDecision == nil else { return Output(text: "") }
        let output = release(final: true)
        buffer = []
        sent = 0
        return output
    }

    private mutating func release(final: Bool) -> Output {
        if dropping {
            // Everything held is key material; look for the END line (possibly split across feeds).
            guard let resume = Self.privateKeyEnd(buffer) else {
                sent = buffer.count
                trimContext(keepingFrom: buffer.count - 64)
                return Output(text: "")
            }
            dropping = false
            buffer.removeSubrange(0..<resume)
            sent = 0
        }
        if scanner.isEmpty {
            let text = String(decoding: buffer[sent...], as: UTF8.self)
            sent = buffer.count
            trimContext(keepingFrom: buffer.count)
            return Output(text: text)
        }
        let bytes = buffer  // a local reference: the closure below mutates counters, not bytes
        let (output, released, keepFrom) = bytes.withUnsafeBufferPointer { raw in
            releasePlan(ScanBuffer(base: raw), final: final)
        }
        if output.blocked != nil { return output }
        sent = released
        trimContext(keepingFrom: keepFrom)
        return output
    }

    /// Scans the buffer and decides what to release. Returns the output, the new `sent` and
    /// where the context to keep starts.
    private mutating func releasePlan(_ p: ScanBuffer, final: Bool) -> (Output, sent: Int, keepFrom: Int) {
        let context = sent
        var matches: [GuardrailMatch] = []
        var unterminated: GuardrailMatch?
        var limit = final ? p.count : max(context, p.count - window - Self.lookAhead)
        while limit > context, limit < p.count, ASCII.isContinuation(p[limit]) { limit -= 1 }
        for var match in scanner.scan(bytes: p, text: { String(decoding: p.base, as: UTF8.self) })
        where match.range.upperBound > context {
            let action = actions[match.detector]
            if match.range.lowerBound < context {
                // Longer than the window and partly sent already: a flag was counted then; the
                // rest of a redaction is still worth hiding; a block still ends the stream.
                guard action == .redact || action == .block else { continue }
                match.range = context..<match.range.upperBound
            }
            if match.isUnterminated, !final, match.range.lowerBound < limit {
                if action == .flag {
                    tally.add(match.detector)  // counted once: next time it starts in the context
                } else if unterminated == nil {
                    unterminated = match
                }
                continue
            }
            matches.append(match)
        }
        if let open = unterminated {
            // Release up to the key, then its placeholder (or block); drop the rest.
            var output = commit(p, context..<open.range.lowerBound, matches.filter { $0.range.upperBound <= open.range.lowerBound })
            if output.blocked != nil { return (output, 0, 0) }
            tally.add(open.detector)
            if actions[open.detector] == .block { return (block(open.detector, output.text), 0, 0) }
            output.text += open.detector.placeholder
            dropping = true
            // Keep the key's last bytes: its END line may be split across this feed and the next.
            return (output, p.count, max(open.range.lowerBound, p.count - 64))
        }
        // Hold back every match still open at the limit (it may grow), unless held too long.
        var moved = true
        while moved {
            moved = false
            for match in matches where match.range.lowerBound < limit && match.range.upperBound > limit {
                if p.count - match.range.lowerBound <= Self.maxHeld + window {
                    limit = match.range.lowerBound
                    moved = true
                }
            }
        }
        let output = commit(p, context..<limit, matches.filter { $0.range.lowerBound < limit })
        return (output, limit, limit - Self.contextLimit)
    }

    /// Counts `matches` (all starting inside `region`) and writes the region redacted; stops at
    /// the first `block` match.
    private mutating func commit(_ p: ScanBuffer, _ region: Range<Int>, _ matches: [GuardrailMatch]) -> Output {
        var out: [UInt8] = []
        var end = region.upperBound
        var blocking: GuardrailDetector?
        for match in matches {
            if actions[match.detector] == .block {
                end = match.range.lowerBound
                blocking = match.detector
                tally.add(match.detector)
                break
            }
            tally.add(match.detector)
        }
        Redactor.write(p, region.lowerBound..<max(region.lowerBound, end), matches.filter { $0.range.upperBound <= end }, actions, into: &out)
        let text = String(decoding: out, as: UTF8.self)
        if let blocking { return block(blocking, text) }
        return Output(text: text)
    }

    private mutating func block(_ detector: GuardrailDetector, _ text: String) -> Output {
        let decision = GuardrailDecision(
            detector: detector, direction: direction, action: .block, count: tally.counts[detector] ?? 1, location: location)
        blockedDecision = decision
        buffer = []
        sent = 0
        return Output(text: text, blocked: decision)
    }

    /// Drops sent bytes before `start` (moved forward to a character boundary).
    private mutating func trimContext(keepingFrom start: Int) {
        guard !buffer.isEmpty else { return }
        var start = max(0, min(start, sent))
        while start < sent, ASCII.isContinuation(buffer[start]) { start += 1 }
        buffer.removeSubrange(0..<start)
        sent -= start
    }

    /// The index after the first `-----END …-----` line, if present.
    private static func privateKeyEnd(_ bytes: [UInt8]) -> Int? {
        bytes.withUnsafeBufferPointer { raw in
            let p = ScanBuffer(base: raw)
            var j = 0
            while j < p.count {
                if p[j] == ASCII.dash, p.hasPrefix("-----END ", at: j) {
                    let close = p.runEnd(from: j + 9, limit: 48) { ASCII.isUpper($0) || ASCII.isDigit($0) || $0 == ASCII.space }
                    if p.hasPrefix("-----", at: close) { return close + 5 }
                }
                j += 1
            }
            return nil
        }
    }
}
