/// The inbound/outbound wire protocols AAM speaks.
public enum WireProtocol: String, Sendable, Codable {
    /// OpenAI Chat Completions (`POST /v1/chat/completions`).
    case openAIChat
    /// Anthropic Messages (`POST /v1/messages`).
    case anthropicMessages
    /// OpenAI Responses (`POST /v1/responses`): passed through to an upstream that speaks it
    /// (`VendorDialect.responsesURL`); to any other upstream the call is a chat request made
    /// at the door (`ResponsesRequestTranslator`), so its bridges are the chat ones.
    case openAIResponses
}

/// A request or response could not be read or translated.
///
/// `message` always starts with the offending field's path (e.g.
/// `messages[2].content: expected a string or an array of content parts`) so the server can
/// return it verbatim in a 400; `param` carries the same path on its own (OpenAI's `param`).
public struct TranslationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Human-readable explanation, prefixed with the field path when one applies.
    public var message: String
    /// The field path the error is about, or nil when it concerns the whole body.
    public var param: String?

    /// Creates an error with an explicit message and optional field path.
    public init(message: String, param: String? = nil) {
        self.message = message
        self.param = param
    }

    /// An error about one field: the message becomes `"<field>: <problem>"`.
    public static func field(_ path: String, _ problem: String) -> TranslationError {
        TranslationError(message: "\(path): \(problem)", param: path)
    }

    public var description: String { message }
}
