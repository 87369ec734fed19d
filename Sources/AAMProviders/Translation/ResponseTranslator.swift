import AAMCore
import Foundation

/// Translates complete (non-streaming) response bodies between the two wire protocols and
/// reads usage from them. Pure functions over bytes.
public enum ResponseTranslator {
    /// Anthropic `message` JSON -> OpenAI `chat.completion` JSON.
    ///
    /// The id keeps the upstream's (`msg_X` -> `chatcmpl-X`), `model` is `responseModel` (the
    /// alias the client asked for), text blocks are concatenated into `message.content`,
    /// `tool_use` blocks become `tool_calls` (input re-encoded as the `arguments` string),
    /// `stop_reason` and usage are mapped. `thinking` blocks are dropped.
    /// - Parameter created: the `created` timestamp (Anthropic has none); defaults to now.
    public static func anthropicToOpenAI(
        _ body: [UInt8], responseModel: String, created: Int = Int(Date().timeIntervalSince1970)
    ) throws(TranslationError) -> (body: [UInt8], usage: TokenUsage) {
        let response = try FieldReader.root(body, context: "response body")
        let (json, usage) = try AnthropicResponseConverter.convert(response, responseModel: responseModel, created: created)
        return (json.serialized(), usage)
    }

    /// OpenAI `chat.completion` JSON -> Anthropic `message` JSON.
    ///
    /// Only the first choice is used (Anthropic has one). The id keeps the upstream's
    /// (`chatcmpl-X` -> `msg_X`); `tool_calls` become `tool_use` blocks (arguments parsed; invalid
    /// JSON is an error); a `refusal` becomes text with `stop_reason: refusal`.
    public static func openAIToAnthropic(_ body: [UInt8], responseModel: String) throws(TranslationError) -> (body: [UInt8], usage: TokenUsage) {
        let response = try FieldReader.root(body, context: "response body")
        let (json, usage) = try OpenAIResponseConverter.convert(response, responseModel: responseModel)
        return (json.serialized(), usage)
    }

    /// Usage of an OpenAI `chat.completion` (or embeddings) response, for pass-through; nil when absent or unreadable.
    public static func usage(fromOpenAIResponse body: [UInt8]) -> TokenUsage? {
        guard let usage = try? WireJSON.parse(body)["usage"]?.objectValue else { return nil }
        return ProtocolMappings.usage(fromOpenAI: usage)
    }

    /// Usage from an OpenAI `usage` object's raw bytes (the server finds it with
    /// `JSONObjectScanner`, so pass-through never parses the whole response into a tree).
    public static func usage(fromOpenAIUsageObject bytes: some Collection<UInt8>) -> TokenUsage? {
        guard let usage = try? WireJSON.parse(bytes).objectValue else { return nil }
        return ProtocolMappings.usage(fromOpenAI: usage)
    }

    /// Usage from an Anthropic `usage` object's raw bytes.
    public static func usage(fromAnthropicUsageObject bytes: some Collection<UInt8>) -> TokenUsage? {
        guard let usage = try? WireJSON.parse(bytes).objectValue else { return nil }
        return ProtocolMappings.usage(fromAnthropic: usage)
    }

    /// Usage of an Anthropic `message` response, for pass-through; nil when absent or unreadable.
    public static func usage(fromAnthropicResponse body: [UInt8]) -> TokenUsage? {
        guard let usage = try? WireJSON.parse(body)["usage"]?.objectValue else { return nil }
        return ProtocolMappings.usage(fromAnthropic: usage)
    }
}
