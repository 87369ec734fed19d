import AAMCore
import AAMProviders

/// The stream translators, fed an upstream SSE stream the way the server feeds them.
///
/// Invariants: nothing traps; what a translator writes is whole SSE events; the events the
/// protocol-translating streams write carry valid JSON (or `[DONE]`); the output byte meter is
/// never negative; the byte-level OpenAI pass-through gives the same events, usage and flags
/// however the upstream bytes are cut into chunks.
enum StreamTarget {
    static let target = FuzzTarget.streams

    static func run(_ input: [UInt8]) throws(InvariantViolation) {
        var parser = SSEParser()
        let events = ((try? parser.append(input)) ?? []) + parser.finish()
        try drive("AnthropicToOpenAIStream", AnthropicToOpenAIStream(responseModel: "m", clientRequestedUsage: true, created: 0), events, json: true)
        try drive("OpenAIToAnthropicStream", OpenAIToAnthropicStream(responseModel: "m"), events, json: true)
        try drive("GeminiToOpenAIStream", GeminiToOpenAIStream(responseModel: "m", clientRequestedUsage: true, created: 0), events, json: true)
        try drive("GeminiToAnthropicStream", GeminiToAnthropicStream(responseModel: "m"), events, json: true)
        try drive("AnthropicPassthroughStream", AnthropicPassthroughStream(), events, json: false)
        try drive("OpenAIPassthroughStream", OpenAIPassthroughStream(clientRequestedUsage: false), events, json: false)
        try fastPassthrough(input)
    }

    static func drive(_ name: String, _ translator: some StreamTranslator, _ events: [SSEEvent], json: Bool) throws(InvariantViolation) {
        var translator = translator
        var output: [UInt8] = []
        var failed = false
        for event in events {
            do { output.append(contentsOf: try translator.translate(event)) } catch {
                failed = true  // the server ends the stream with an in-band error here
                break
            }
        }
        if !failed { output.append(contentsOf: translator.finish()) }
        try check(translator.outputBytes >= 0, target, "\(name) metered \(translator.outputBytes) output bytes")
        try wholeEvents(name, output, json: json)
    }

    /// `output` parses as SSE with nothing left over, and (for `json`) each event's data is JSON.
    static func wholeEvents(_ name: String, _ output: [UInt8], json: Bool) throws(InvariantViolation) {
        var parser = SSEParser()
        let events = ((try? parser.append(output)) ?? [])
        let trailing = parser.finish()
        try check(trailing.isEmpty, target, "\(name) wrote an unterminated event: \(excerpt(output.suffix(200)))")
        guard json else { return }
        for event in events where event.data != "[DONE]" {
            do { try JSONObjectScanner.validate(Array(event.data.utf8)) } catch {
                throw InvariantViolation(target.rawValue, "\(name) wrote an event whose data is not JSON (\(error)): \(String(reflecting: event.data.prefix(300)))")
            }
        }
    }

    struct Outcome: Equatable {
        var events: [SSEEvent]
        var usage: TokenUsage?
        var sawTerminalEvent: Bool
        var emittedContent: Bool
        var outputBytes: Int
        var upstreamError: UpstreamStreamError?
    }

    static func fastPassthrough(_ input: [UInt8]) throws(InvariantViolation) {
        var outcomes: [Outcome?] = []
        for chunks in Chunking.cuttings(of: input) {
            var stream = OpenAIFastPassthrough(clientRequestedUsage: false)
            var output: [UInt8] = []
            var failed = false
            do {
                for chunk in chunks { output.append(contentsOf: try stream.feed(chunk)) }
                output.append(contentsOf: try stream.finish())
            } catch {
                failed = true
            }
            try check(stream.outputBytes >= 0, target, "OpenAIFastPassthrough metered \(stream.outputBytes) output bytes")
            if failed { outcomes.append(nil); continue }
            try wholeEvents("OpenAIFastPassthrough", output, json: false)
            var parser = SSEParser()
            outcomes.append(Outcome(
                events: ((try? parser.append(output)) ?? []) + parser.finish(), usage: stream.usage, sawTerminalEvent: stream.sawTerminalEvent,
                emittedContent: stream.emittedContent, outputBytes: stream.outputBytes, upstreamError: stream.upstreamError))
        }
        for (index, outcome) in outcomes.enumerated().dropFirst() {
            try check(outcome == outcomes[0], target,
                "OpenAIFastPassthrough: cutting \(index) gave \(describe(outcome)), whole input \(describe(outcomes[0])): \(excerpt(input))")
        }
    }

    static func describe(_ outcome: Outcome?) -> String {
        guard let outcome else { return "an error" }
        return "\(outcome.events.count) events, usage \(String(describing: outcome.usage)), terminal \(outcome.sawTerminalEvent), "
            + "content \(outcome.emittedContent), \(outcome.outputBytes) output bytes"
    }
}
