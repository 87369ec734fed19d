import AAMCore

/// Anthropic upstream -> Anthropic client. Forwards every event (pings included) and reads
/// usage from `message_start` (input and cache counts) and `message_delta` (output count).
public struct AnthropicPassthroughStream: StreamTranslator {
    public private(set) var usage: TokenUsage?
    public private(set) var sawTerminalEvent = false
    public private(set) var emittedContent = false
    public private(set) var outputBytes = 0
    public private(set) var upstreamError: UpstreamStreamError?

    /// Creates a pass-through translator.
    public init() {}

    public mutating func translate(_ event: SSEEvent) throws(TranslationError) -> [UInt8] {
        // The event name mirrors data.type; fall back to parsing when an upstream omits it.
        var type = event.event ?? ""
        if type.isEmpty { type = try event.jsonObject(context: "stream event").string("type") }
        switch type {
        case "message_start":
            let start = try event.jsonObject(context: "message_start")
            if let usageObject = try start.object("message").optionalObject("usage") {
                usage = ProtocolMappings.usage(fromAnthropic: usageObject.object)
            }
        case "message_delta":
            emittedContent = true
            let delta = try event.jsonObject(context: "message_delta")
            if let usageObject = try delta.optionalObject("usage") {
                usage = AnthropicUsageAccumulator.merge(usage, delta: usageObject.object)
            }
        case "content_block_start", "content_block_delta":
            emittedContent = true
            outputBytes = StreamOutputMeter.adding(outputBytes, StreamOutputMeter.anthropic.bytes(in: event.data))
        case "message_stop":
            sawTerminalEvent = true
        case "error":
            let error = UpstreamErrorReader.read(Array(event.data.utf8))
            upstreamError = UpstreamStreamError(type: error?.type, message: error?.message ?? event.data)
        default:
            break  // ping, content_block_stop, future event types
        }
        return event.encoded()
    }

    public mutating func finish() -> [UInt8] { [] }
}

/// Anthropic reports input usage in `message_start` and (cumulative) output usage in
/// `message_delta`; newer API versions repeat the input counts there too.
enum AnthropicUsageAccumulator {
    static func merge(_ current: TokenUsage?, delta: WireJSONObject) -> TokenUsage {
        var usage = current ?? .zero
        if delta["input_tokens"]?.intValue != nil {
            let fromDelta = ProtocolMappings.usage(fromAnthropic: delta)
            usage.promptTokens = fromDelta.promptTokens
            usage.cachedPromptTokens = fromDelta.cachedPromptTokens
        }
        if let output = delta["output_tokens"]?.intValue { usage.completionTokens = output }
        return usage
    }
}
