import AAMCore

/// Bedrock's ConverseStream body (`application/vnd.amazon.eventstream`) as events for
/// `ConverseStreamTranslator`: an `event` message becomes an event named by its `:event-type`
/// (`contentBlockDelta`) with the payload JSON as data; an `exception` (or `error`) message becomes
/// an `exception` event `{"type":"throttlingException","message":…}`. A bad CRC, a corrupt
/// length or a stream that ends mid-message throws: the relay ends the stream with an in-band
/// error and records it truncated (or fails over, before the first content byte).
public struct BedrockEventReader: UpstreamEventReader {
    private var decoder = EventStreamDecoder()

    public init() {}

    public mutating func append(_ bytes: some Collection<UInt8>) throws -> [SSEEvent] {
        try decoder.append(bytes).map(Self.event)
    }

    public mutating func finish() throws -> [SSEEvent] {
        if decoder.holdsPartialMessage { throw TranslationError(message: "event stream: the upstream ended mid-message") }
        return []
    }

    static func event(_ message: EventStreamMessage) -> SSEEvent {
        let text = String(decoding: message.payload, as: UTF8.self)
        guard message.messageType != "event" else { return SSEEvent(event: message.name, data: text) }
        let object = (try? WireJSON.parse(message.payload))?.objectValue
        let detail = (object?["message"] ?? object?["Message"])?.stringValue ?? message.headers[":error-message"] ?? text
        let error: WireJSON = ["type": .string(message.name), "message": .string(detail)]
        return SSEEvent(event: "exception", data: error.serializedString())
    }
}
