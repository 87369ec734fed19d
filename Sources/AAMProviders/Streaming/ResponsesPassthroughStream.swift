import AAMCore

/// Responses API upstream -> Responses API client, event by event: every event goes to the
/// client as it came, while the relay reads along what it needs: usage (`response.completed`,
/// `response.incomplete`), the end, the vendor's in-band failure (`error`, `response.failed`),
/// the first model output, and the output size for an early end.
///
/// The byte-level form (`ResponsesFastPassthrough`) is what a stream without response
/// guardrails uses; this form feeds the guardrail filter, which needs events.
public struct ResponsesPassthroughStream: StreamTranslator {
    public private(set) var usage: TokenUsage?
    public private(set) var sawTerminalEvent = false
    public private(set) var emittedContent = false
    public private(set) var outputBytes = 0
    public private(set) var upstreamError: UpstreamStreamError?
    /// The numbering and the announced response, for an in-band end (`ResponsesStreamTail`).
    public private(set) var tail = ResponsesStreamTail()

    static let meter = StreamOutputMeter(keys: ["delta"])

    public init() {}

    public mutating func translate(_ event: SSEEvent) throws(TranslationError) -> [UInt8] {
        try note(event)
        return event.encoded()
    }

    public mutating func finish() -> [UInt8] { [] }

    /// Reads one upstream event. Deltas (the hot path) are not parsed; the few events that
    /// carry usage, a failure or the announced response are.
    mutating func note(_ event: SSEEvent) throws(TranslationError) {
        if let name = event.event, name.hasSuffix(".delta") {
            emittedContent = true
            outputBytes = StreamOutputMeter.adding(outputBytes, Self.meter.bytes(in: event.data))
            tail.note(event)
            return
        }
        guard !event.data.isEmpty else { return }
        guard case .object(let object) = try WireJSON.parse(event.data, context: "stream event") else {
            throw TranslationError(message: "stream event: expected an object")
        }
        tail.note(object)
        let type = object["type"]?.stringValue ?? event.event ?? ""
        switch type {
        case "response.completed", "response.incomplete":
            sawTerminalEvent = true
            emittedContent = true
            usage = object["response"]?.objectValue.flatMap(ResponsesUsage.tokenUsage(ofResponse:)) ?? usage
        case "response.failed":
            sawTerminalEvent = true
            usage = object["response"]?.objectValue.flatMap(ResponsesUsage.tokenUsage(ofResponse:)) ?? usage
            let error = object["response"]?["error"]
            if upstreamError == nil {
                upstreamError = UpstreamStreamError(
                    type: error?["code"]?.stringValue, message: error?["message"]?.stringValue ?? "The upstream response failed.")
            }
        case "error":
            upstreamError = UpstreamStreamError(
                type: object["code"]?.stringValue ?? object["type"]?.stringValue, message: object["message"]?.stringValue ?? "The upstream stream failed.")
        case "response.output_item.done":
            // An item finished (a tool call without argument deltas, a built-in tool's result).
            emittedContent = true
        default:
            if type.hasSuffix(".delta") {
                emittedContent = true
                outputBytes = StreamOutputMeter.adding(outputBytes, Self.meter.bytes(in: event.data))
            }
        }
    }
}

/// The Responses pass-through at the byte level: the client gets the upstream's exact bytes
/// (whatever their framing: CR LF, comments, keep-alives), and a side parser reads the
/// events for `ResponsesPassthroughStream`'s bookkeeping.
public struct ResponsesFastPassthrough: ByteStreamPassthrough {
    private var parser = SSEParser()
    public private(set) var reader = ResponsesPassthroughStream()

    public init() {}

    public var usage: TokenUsage? { reader.usage }
    public var sawTerminalEvent: Bool { reader.sawTerminalEvent }
    public var emittedContent: Bool { reader.emittedContent }
    public var upstreamError: UpstreamStreamError? { reader.upstreamError }
    public var outputBytes: Int { reader.outputBytes }

    public mutating func feed(_ bytes: some Collection<UInt8>) throws(TranslationError) -> [UInt8] {
        let events: [SSEEvent]
        do { events = try parser.append(bytes) } catch { throw TranslationError(message: "response stream: \(error.description)") }
        for event in events { try reader.note(event) }
        return Array(bytes)
    }

    public mutating func finish() throws(TranslationError) -> [UInt8] {
        for event in parser.finish() { try reader.note(event) }
        return []
    }

    public func inBandFailure(code: String, message: String) -> [UInt8]? {
        var tail = reader.tail
        return tail.failure(code: code, message: message)
    }
}
