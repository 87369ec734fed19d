import AAMCore

/// OpenAI upstream -> OpenAI client. Forwards events byte-faithfully, records usage, and drops
/// the usage-only chunk when the client did not ask for it (the server always asks upstream).
///
/// Chunks other than the usage chunk are forwarded untouched, so when the server added
/// `include_usage` they keep their `"usage":null` member; OpenAI clients ignore it.
public struct OpenAIPassthroughStream: StreamTranslator {
    private let clientRequestedUsage: Bool
    public private(set) var usage: TokenUsage?
    public private(set) var sawTerminalEvent = false
    public private(set) var emittedContent = false
    public private(set) var outputBytes = 0
    public private(set) var upstreamError: UpstreamStreamError?

    /// - Parameter clientRequestedUsage: the client's own `stream_options.include_usage`.
    public init(clientRequestedUsage: Bool) {
        self.clientRequestedUsage = clientRequestedUsage
    }

    public mutating func translate(_ event: SSEEvent) throws(TranslationError) -> [UInt8] {
        if event.data == "[DONE]" {
            sawTerminalEvent = true
            return event.encoded()
        }
        outputBytes = StreamOutputMeter.adding(outputBytes, StreamOutputMeter.openAI.bytes(in: event.data))
        // Only chunks that may carry usage or an error need a parse; content chunks are the hot path.
        let mayCarryUsage = event.data.contains("\"usage\"") && !event.data.contains("\"usage\":null")
        let mayBeError = event.data.contains("\"error\"")
        guard mayCarryUsage || mayBeError else {
            noteContent(event)
            return event.encoded()
        }
        let chunk = try event.jsonObject(context: "stream chunk")
        if chunk.has("error"), let error = UpstreamErrorReader.read(chunk.object) {
            upstreamError = UpstreamStreamError(type: error.type, message: error.message)
            return event.encoded()
        }
        guard let usageObject = try chunk.optionalObject("usage") else {
            noteContent(event)
            return event.encoded()
        }
        usage = ProtocolMappings.usage(fromOpenAI: usageObject.object)
        if clientRequestedUsage { return event.encoded() }
        let choices = try chunk.optionalArray("choices") ?? []
        if choices.isEmpty { return [] }
        // A server that put usage on a content chunk: keep the content, hide the usage.
        var stripped = chunk.object
        stripped["usage"] = nil
        noteContent(event)
        return SSEEvent.data(.object(stripped)).encoded()
    }

    public mutating func finish() -> [UInt8] { [] }

    private mutating func noteContent(_ event: SSEEvent) {
        guard !emittedContent else { return }
        emittedContent = OpenAIChunkInspector.carriesOutput(event.data)
    }
}

/// Cheap checks on raw OpenAI chunk text, avoiding a parse per token.
enum OpenAIChunkInspector {
    /// True when the chunk carries model output: non-empty content, a tool call, a refusal or
    /// a finish reason. The opening `{"role":"assistant","content":""}` chunk does not.
    static func carriesOutput(_ data: String) -> Bool {
        if data.contains("\"tool_calls\"") || data.contains("\"refusal\":\"") { return true }
        if data.contains("\"finish_reason\":\"") { return true }
        guard let range = data.range(of: "\"content\":\"") else { return false }
        return data[range.upperBound...].first != "\""
    }
}
