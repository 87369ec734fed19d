/// The deterministic answer the fake gives to one chat request, before it is put on a wire.
///
/// Everything is a pure function of the request so tests can predict bytes and usage:
/// - text: `"Hello from VENDOR model MODEL: ECHO"` where ECHO is the last user text cut to
///   ``echoLimit`` characters, streamed one word per delta (a word keeps its leading space);
/// - with tools declared and a conversation ending on a user turn mentioning "weather", a call
///   of the first declared tool with arguments `{"city":"Paris","unit":"celsius"}`, streamed in
///   ``toolArgumentFragments`` (four fragments);
/// - prompt tokens = ceil(prompt UTF-8 bytes / 4), at least 1; completion tokens = number of
///   text deltas plus number of argument fragments; `max_tokens` below that cuts the text and
///   finishes with `length` / `max_tokens`.
struct FakeReply: Sendable {
    /// A tool call the fake decided to make.
    struct ToolCall: Sendable {
        var id: String
        var name: String
        var argumentFragments: [String]
        var arguments: String { argumentFragments.joined() }
    }

    enum Finish: Sendable {
        case stop, length, toolCalls

        var openAI: String {
            switch self {
            case .stop: "stop"
            case .length: "length"
            case .toolCalls: "tool_calls"
            }
        }

        var anthropic: String {
            switch self {
            case .stop: "end_turn"
            case .length: "max_tokens"
            case .toolCalls: "tool_use"
            }
        }
    }

    static let echoLimit = 64
    static let toolArgumentFragments = [#"{"city":"#, #""Paris","#, #""unit":"#, #""celsius"}"#]

    /// Text deltas in order; joined they are the full text. Empty for an OpenAI tool call.
    var textPieces: [String]
    var toolCall: ToolCall?
    var finish: Finish
    var promptTokens: Int
    var completionTokens: Int

    var text: String { textPieces.joined() }
    var totalTokens: Int { promptTokens + completionTokens }

    /// - Parameters:
    ///   - vendor: how the fake names itself in the text, e.g. `fake-openai model`.
    ///   - preambleBeforeToolCall: Claude usually says something before a tool_use block; the
    ///     Anthropic fake does too, the OpenAI one answers with `content: null`.
    static func make(
        vendor: String,
        model: String,
        request: ChatRequestSummary,
        sequence: Int,
        preambleBeforeToolCall: Bool
    ) -> FakeReply {
        let promptTokens = max(1, (request.promptBytes + 3) / 4)
        let wantsTool = request.firstToolName != nil && request.endsWithUserTurn
            && request.lastUserText.lowercased().contains("weather")
        if wantsTool, let name = request.firstToolName {
            let pieces = preambleBeforeToolCall ? words("Let me check the weather for you.") : []
            let call = ToolCall(
                id: toolCallID(sequence: sequence, anthropic: preambleBeforeToolCall),
                name: name,
                argumentFragments: toolArgumentFragments
            )
            return FakeReply(
                textPieces: pieces,
                toolCall: call,
                finish: .toolCalls,
                promptTokens: promptTokens,
                completionTokens: pieces.count + call.argumentFragments.count
            )
        }
        let echo = String(request.lastUserText.prefix(echoLimit))
        let full = echo.isEmpty ? "Hello from \(vendor) \(model)." : "Hello from \(vendor) \(model): \(echo)"
        var pieces = words(full)
        var finish = Finish.stop
        if let limit = request.maxTokens, limit >= 0, limit < pieces.count {
            pieces = Array(pieces.prefix(limit))
            finish = .length
        }
        return FakeReply(
            textPieces: pieces,
            toolCall: nil,
            finish: finish,
            promptTokens: promptTokens,
            completionTokens: pieces.count
        )
    }

    /// Splits text into word deltas the way vendors stream them: each word after the first
    /// carries its leading whitespace, so joining the pieces restores the text exactly.
    static func words(_ text: String) -> [String] {
        var pieces: [String] = []
        var current = ""
        for character in text {
            if character.isWhitespace, !current.isEmpty, !current.allSatisfy(\.isWhitespace) {
                pieces.append(current)
                current = ""
            }
            current.append(character)
        }
        if !current.isEmpty { pieces.append(current) }
        return pieces
    }

    private static func toolCallID(sequence: Int, anthropic: Bool) -> String {
        (anthropic ? "toolu_fake" : "call_fake") + FakeIDs.padded(sequence)
    }
}

/// Deterministic identifiers: a vendor-style prefix and the request's sequence number.
enum FakeIDs {
    static func padded(_ sequence: Int) -> String {
        let digits = String(sequence)
        return String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }
}
