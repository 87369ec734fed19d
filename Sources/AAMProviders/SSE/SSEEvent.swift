/// One server-sent event as dispatched by the WHATWG event-stream algorithm.
public struct SSEEvent: Sendable, Equatable {
    /// The `event:` field, or nil when the event had none (OpenAI never sends one).
    public var event: String?
    /// The `data:` lines joined with `\n`.
    public var data: String

    /// Creates an event.
    public init(event: String? = nil, data: String) {
        self.event = event
        self.data = data
    }

    /// The canonical wire form: `event: NAME\n` (when named), one `data: ` line per data line,
    /// then a blank line. This is exactly how OpenAI and Anthropic frame their events.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(data.utf8.count + 32)
        if let event {
            out.append(contentsOf: "event: ".utf8)
            out.append(contentsOf: event.utf8)
            out.append(0x0A)
        }
        // Split on LF only: a CR inside data cannot come from the parser, and splitting here
        // keeps multi-line data round-tripping through `SSEParser`.
        for line in data.utf8.split(separator: 0x0A, omittingEmptySubsequences: false) {
            out.append(contentsOf: "data: ".utf8)
            out.append(contentsOf: line)
            out.append(0x0A)
        }
        out.append(0x0A)
        return out
    }

    /// Convenience: an OpenAI-style data-only event carrying a JSON value.
    static func data(_ json: WireJSON) -> SSEEvent {
        SSEEvent(event: nil, data: json.serializedString())
    }

    /// Convenience: an Anthropic-style named event whose data is a JSON value.
    static func named(_ name: String, _ json: WireJSON) -> SSEEvent {
        SSEEvent(event: name, data: json.serializedString())
    }

    /// `data: [DONE]\n\n`, OpenAI's end-of-stream sentinel.
    public static let openAIDone = SSEEvent(event: nil, data: "[DONE]")
}
