import AAMCore
import Foundation

/// A complete Converse answer as an Anthropic `message` (the pivot: OpenAI clients get it through
/// `ResponseTranslator.anthropicToOpenAI`, the same bytes an Anthropic upstream's answer gives).
///
/// `output.message.content` text -> `text` blocks, `toolUse` -> `tool_use` (`toolUseId` is the
/// id), reasoning blocks dropped; `stopReason` end_turn/tool_use/max_tokens/stop_sequence keep
/// their names; `guardrail_intervened`/`content_filtered` before any content throw
/// `UpstreamContentBlocked` (the client gets a clear `content_filter` 400), after some content
/// become `refusal`; `usage.inputTokens`/`outputTokens` (and cache reads/writes) -> usage.
enum ConverseAnswers {
    static let blockingStopReasons: Set<String> = ["guardrail_intervened", "content_filtered"]

    static func anthropic(_ body: [UInt8], responseModel: String) throws -> (body: [UInt8], usage: TokenUsage) {
        let response = try FieldReader.root(body, context: "response body")
        let message = try response.object("output").object("message")
        var content: [WireJSON] = []
        for block in try message.objects("content") {
            if let text = try block.optionalString("text") {
                content.append(["type": "text", "text": .string(text)])
            } else if let use = try block.optionalObject("toolUse") {
                content.append([
                    "type": "tool_use", "id": .string(try use.string("toolUseId")), "name": .string(try use.string("name")),
                    "input": use.value("input") ?? .object(WireJSONObject()),
                ])
            }
        }
        let usage = try Self.usage(response.optionalObject("usage"))
        let stopReason = try response.optionalString("stopReason") ?? "end_turn"
        if blockingStopReasons.contains(stopReason), content.isEmpty {
            throw UpstreamContentBlocked(message: Self.blockMessage(stopReason), usage: usage)
        }
        let answer: WireJSON = [
            "id": .string("msg_bedrock_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()),
            "type": "message",
            "role": "assistant",
            "model": .string(responseModel),
            "content": .array(content),
            "stop_reason": .string(Self.anthropicStopReason(stopReason)),
            "stop_sequence": nil,
            "usage": ProtocolMappings.anthropicUsage(usage),
        ]
        return (answer.serialized(), usage)
    }

    /// Converse `stopReason` -> Anthropic `stop_reason`.
    static func anthropicStopReason(_ reason: String) -> String {
        switch reason {
        case "end_turn", "tool_use", "max_tokens", "stop_sequence": reason
        case "guardrail_intervened", "content_filtered": "refusal"
        default: "end_turn"
        }
    }

    static func blockMessage(_ reason: String) -> String {
        reason == "guardrail_intervened"
            ? "The upstream's Bedrock guardrail intervened: the answer was withheld."
            : "The upstream's content filter withheld the answer."
    }

    /// `{"inputTokens":…,"outputTokens":…,"cacheReadInputTokens":…,"cacheWriteInputTokens":…}`.
    static func usage(_ usage: FieldReader?) throws(TranslationError) -> TokenUsage {
        guard let usage else { return .zero }
        let cacheRead = try usage.optionalInt("cacheReadInputTokens") ?? 0
        let cacheWrite = try usage.optionalInt("cacheWriteInputTokens") ?? 0
        var anthropic: WireJSONObject = [
            "input_tokens": .int(try usage.optionalInt("inputTokens") ?? 0),
            "output_tokens": .int(try usage.optionalInt("outputTokens") ?? 0),
        ]
        if cacheRead > 0 { anthropic["cache_read_input_tokens"] = .int(cacheRead) }
        if cacheWrite > 0 { anthropic["cache_creation_input_tokens"] = .int(cacheWrite) }
        return ProtocolMappings.usage(fromAnthropic: anthropic)
    }
}
