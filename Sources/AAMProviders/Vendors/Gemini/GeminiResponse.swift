import AAMCore
import Foundation

/// One `GenerateContentResponse` (a whole answer, or one stream chunk) read into what both
/// inbound APIs need: candidate 0's text and function calls, its finish reason, the usage and
/// a safety block. Thought parts (`"thought": true`) are counted, never shown.
struct GeminiResponse {
    struct FunctionCall {
        var id: String?
        var name: String
        /// `args` as JSON (an object; `{}` when absent).
        var arguments: WireJSON
        /// The part's `thoughtSignature`: Gemini 3 refuses the next turn unless it comes back.
        var thoughtSignature: String?
    }

    var responseID: String?
    /// Text parts of candidate 0 in order (thoughts excluded).
    var texts: [String] = []
    var functionCalls: [FunctionCall] = []
    /// Bytes of thought summaries: output the vendor bills though no client form shows it.
    var thoughtBytes = 0
    var finishReason: String?
    var usage: TokenUsage?
    /// `promptFeedback.blockReason`: the prompt was refused and there is no candidate.
    var blockReason: String?
    /// An error object inside a stream chunk.
    var error: GeminiError?

    var text: String { texts.joined() }

    init(_ response: FieldReader) throws(TranslationError) {
        if response.has("error") {
            error = GeminiError.read(response.object) ?? GeminiError(message: "upstream error", reasons: [])
            return
        }
        responseID = try response.optionalString("responseId")
        if let metadata = try response.optionalObject("usageMetadata") { usage = Self.usage(metadata.object) }
        blockReason = try response.optionalObject("promptFeedback")?.optionalString("blockReason")
        guard let candidate = try response.objects("candidates").first else { return }
        finishReason = try candidate.optionalString("finishReason")
        for part in try candidate.optionalObject("content")?.objects("parts") ?? [] {
            if let text = try part.optionalString("text") {
                if try part.optionalBool("thought") == true {
                    thoughtBytes += text.utf8.count
                } else {
                    texts.append(text)
                }
            } else if let call = try part.optionalObject("functionCall") {
                let arguments = call.value("args") ?? .object(WireJSONObject())
                guard arguments.objectValue != nil else { throw call.mismatch("args", expected: "an object", got: arguments) }
                functionCalls.append(FunctionCall(
                    id: try call.optionalString("id"), name: try call.string("name"), arguments: arguments,
                    thoughtSignature: try part.optionalString("thoughtSignature")))
            }
            // inlineData, executableCode, …: no form in either inbound API.
        }
    }

    /// `usageMetadata` -> tokens. `promptTokenCount` already includes cached content (as
    /// OpenAI's `prompt_tokens` does); thinking tokens are billed as output.
    static func usage(_ metadata: WireJSONObject) -> TokenUsage {
        TokenUsage(
            promptTokens: metadata["promptTokenCount"]?.intValue ?? 0,
            completionTokens: TokenUsage.sum(metadata["candidatesTokenCount"]?.intValue ?? 0, metadata["thoughtsTokenCount"]?.intValue ?? 0),
            cachedPromptTokens: metadata["cachedContentTokenCount"]?.intValue ?? 0
        )
    }

    // MARK: Vocabulary

    /// Finish reasons that mean the safety system (or a policy list) cut the answer.
    static let blockingFinishReasons: Set<String> = [
        "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY", "LANGUAGE",
    ]

    /// Gemini `finishReason` -> OpenAI `finish_reason`.
    static func openAIFinishReason(_ reason: String, calledFunctions: Bool) -> String {
        if blockingFinishReasons.contains(reason) { return "content_filter" }
        if reason == "MAX_TOKENS" { return "length" }
        return calledFunctions ? "tool_calls" : "stop"  // STOP, MALFORMED_FUNCTION_CALL, OTHER, …
    }

    /// Gemini `finishReason` -> Anthropic `stop_reason`.
    static func anthropicStopReason(_ reason: String, calledFunctions: Bool) -> String {
        if blockingFinishReasons.contains(reason) { return "refusal" }
        if reason == "MAX_TOKENS" { return "max_tokens" }
        return calledFunctions ? "tool_use" : "end_turn"
    }

    /// Gemini's `google.rpc` status -> the closest gateway error type (for in-band errors).
    static func errorType(_ status: String?) -> GatewayErrorType {
        switch status {
        case "INVALID_ARGUMENT", "FAILED_PRECONDITION", "OUT_OF_RANGE": .invalidRequestError
        case "UNAUTHENTICATED": .authenticationError
        case "PERMISSION_DENIED": .permissionError
        case "NOT_FOUND": .notFoundError
        case "RESOURCE_EXHAUSTED": .rateLimitError
        default: .apiError
        }
    }

    /// The client's message for a safety block: which of prompt or answer, and Gemini's reason.
    static func blockMessage(promptBlockReason: String?, finishReason: String?) -> String {
        if let promptBlockReason {
            return "The Gemini upstream blocked the prompt (promptFeedback.blockReason: \(promptBlockReason))."
        }
        return "The Gemini upstream blocked the answer (finishReason: \(finishReason ?? "SAFETY"))."
    }

    /// The tool-call id the client sees: Gemini's id, or one unique within the conversation
    /// (the next request names the function back by it). A thought signature rides along in
    /// it (`…__thought__<base64url>`): neither client API has a field for it, clients send ids
    /// back verbatim, and Gemini 3 refuses a function call returned without its signature.
    static func callID(_ call: FunctionCall, responseID: String?, index: Int) -> String {
        var id = call.id.flatMap { $0.isEmpty ? nil : $0 } ?? "call_" + (responseID.map { $0 + "_" } ?? "") + String(index)
        if let signature = call.thoughtSignature, !signature.isEmpty {
            // base64url without padding keeps the id to [A-Za-z0-9_-] (Anthropic's id rule).
            id += signatureMarker + String(signature.map { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 }.filter { $0 != "=" })
        }
        return id
    }

    static let signatureMarker = "__thought__"

    /// The thought signature a tool-call id carries (`callID`), in Gemini's base64.
    static func thoughtSignature(inCallID id: String) -> String? {
        guard let range = id.range(of: signatureMarker, options: .backwards) else { return nil }
        var signature = String(id[range.upperBound...].map { $0 == "-" ? "+" : $0 == "_" ? "/" : $0 })
        guard !signature.isEmpty else { return nil }
        while signature.utf8.count % 4 != 0 { signature += "=" }
        return signature
    }
}

/// A 2xx answer whose content the vendor's safety system withheld (Gemini's
/// `promptFeedback.blockReason`, or a candidate cut for SAFETY before any content): the relay
/// answers it as a 400 `content_filter` error rather than an empty success.
public struct UpstreamContentBlocked: Error, Sendable, Equatable {
    public var message: String
    /// What was spent before the block (Gemini bills a blocked prompt).
    public var usage: TokenUsage?

    public init(message: String, usage: TokenUsage?) {
        self.message = message
        self.usage = usage
    }
}
