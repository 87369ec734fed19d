import AAMCore

/// A per-call stream translator: consumes upstream SSE events, returns the bytes to send the client.
///
/// Contract for the server:
/// - Feed every event from ``SSEParser`` to ``translate(_:)`` and write what it returns.
/// - When the upstream closes, call ``finish()`` and write what it returns. If
///   ``sawTerminalEvent`` is still false (and ``upstreamError`` is nil) the stream was truncated:
///   end it with a ``StreamErrorEvent`` — `finish()` never fakes a terminator.
/// - Until ``emittedContent`` is true everything returned is preamble (role chunk,
///   `message_start`, pings); a server that held it back may discard it and retry elsewhere.
public protocol StreamTranslator: Sendable {
    /// Translates one upstream event. Throws only for an event the translator cannot read
    /// (e.g. malformed JSON); the server should then end the stream with an in-band error.
    mutating func translate(_ event: SSEEvent) throws(TranslationError) -> [UInt8]
    /// Called when upstream ended cleanly; returns trailing bytes (e.g. `data: [DONE]\n\n` if not yet sent).
    mutating func finish() -> [UInt8]
    /// Usage reported by the upstream so far; nil until it reported any.
    var usage: TokenUsage? { get }
    /// True once the upstream's own terminal event was seen (`[DONE]` / `message_stop`).
    var sawTerminalEvent: Bool { get }
    /// True once bytes carrying model output (text, tool calls, a finish reason) were produced.
    var emittedContent: Bool { get }
    /// Bytes of model output (text, refusal, tool-call arguments, reasoning) received from the
    /// upstream so far, whether or not the client read them: what an early-ended call is billed
    /// on (`EarlyEndSettlement`).
    var outputBytes: Int { get }
    /// Set when the upstream sent an in-band error event. It has already been forwarded to the
    /// client in the client's protocol, so the server must not add another error event.
    var upstreamError: UpstreamStreamError? { get }
}

/// An error the upstream reported inside a stream.
public struct UpstreamStreamError: Sendable, Equatable {
    /// Vendor error type (e.g. `overloaded_error`, `server_error`), when given.
    public var type: String?
    /// Vendor error message.
    public var message: String

    /// Creates an error description.
    public init(type: String?, message: String) {
        self.type = type
        self.message = message
    }
}

/// Builds the in-band error events that end a stream after bytes were sent.
public enum StreamErrorEvent {
    /// OpenAI: `data: {"error":{"message":…,"type":…,"code":…,"param":null}}\n\n`, and no `[DONE]` after it.
    public static func openAI(message: String, type: GatewayErrorType, code: ErrorCode?) -> [UInt8] {
        let error: WireJSON = [
            "error": [
                "message": .string(message), "type": .string(type.rawValue),
                "code": code.map { WireJSON.string($0.rawValue) } ?? .null, "param": nil,
            ],
        ]
        return SSEEvent.data(error).encoded()
    }

    /// Anthropic: `event: error\ndata: {"type":"error","error":{"type":…,"message":…}}\n\n`.
    public static func anthropic(type: GatewayErrorType, message: String) -> [UInt8] {
        let error: WireJSON = ["type": "error", "error": ["type": .string(type.rawValue), "message": .string(message)]]
        return SSEEvent.named("error", error).encoded()
    }
}

extension SSEEvent {
    /// The event's data parsed as a JSON object, or an error naming the stream event.
    func jsonObject(context: String) throws(TranslationError) -> FieldReader {
        try FieldReader.root(Array(data.utf8), context: context)
    }
}
