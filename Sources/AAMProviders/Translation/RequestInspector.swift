/// What the gateway needs to know about an inbound request before routing it.
public struct RequestSummary: Sendable, Equatable {
    /// The `model` the client asked for (an alias).
    public var model: String
    /// Whether the client asked for a stream.
    public var stream: Bool
    /// OpenAI `stream_options.include_usage` (always false for Anthropic requests).
    public var includeUsage: Bool
    /// Names of the tools the request declares, in order (for tool policies).
    public var toolNames: [String]
    /// `max_completion_tokens` / `max_tokens`, when given.
    public var maxTokens: Int?
    /// Rough prompt size (~4 bytes of message text per token) for budget and TPM reservations.
    public var estimatedPromptTokens: Int
}

/// Reads request summaries and prepares same-protocol (pass-through) upstream bodies.
public enum RequestInspector {
    /// Reads the fields routing and admission need; `model` and `messages` are required.
    public static func summarize(_ body: [UInt8], protocol wire: WireProtocol) throws(TranslationError) -> RequestSummary {
        let request = try FieldReader.root(body, context: "request body")
        let model = try request.string("model")
        let messages = try request.array("messages")
        var toolNames: [String] = []
        for tool in try request.objects("tools") {
            switch wire {
            case .openAIChat:
                if let function = try tool.optionalObject("function") { toolNames.append(try function.string("name")) }
            case .openAIResponses:
                if let name = try tool.optionalString("name") { toolNames.append(name) }
            case .anthropicMessages:
                toolNames.append(try tool.string("name"))
            }
        }
        var maxTokens = try request.optionalInt("max_completion_tokens")
        if maxTokens == nil { maxTokens = try request.optionalInt("max_tokens") }
        var promptBytes = PromptEstimator.textBytes(of: .array(messages))
        if let system = request.value("system") { promptBytes += PromptEstimator.textBytes(of: system) }
        return RequestSummary(
            model: model,
            stream: try request.optionalBool("stream") ?? false,
            includeUsage: wire == .openAIChat ? try request.optionalObject("stream_options")?.optionalBool("include_usage") ?? false : false,
            toolNames: toolNames,
            maxTokens: maxTokens,
            estimatedPromptTokens: PromptEstimator.tokens(forBytes: promptBytes)
        )
    }

    /// A same-protocol request prepared for the upstream: `model` replaced, and for OpenAI
    /// streams `stream_options.include_usage` forced on (pair with
    /// ``OpenAIPassthroughStream/init(clientRequestedUsage:)`` to hide it from a client that did not ask).
    public static func passthroughBody(_ body: [UInt8], protocol wire: WireProtocol, upstreamModel: String) throws(TranslationError) -> [UInt8] {
        let request = try FieldReader.root(body, context: "request body")
        var object = request.object
        object["model"] = .string(upstreamModel)
        if wire == .openAIChat, try request.optionalBool("stream") == true {
            // Any spelling of `stream_options` is the one member the setters below replace
            // (`WireJSONObject`'s subscript folds keys), so its other options are kept.
            _ = try request.optionalObject("stream_options")  // the exact spelling must be an object
            var options = object.value(folding: "stream_options")?.objectValue ?? WireJSONObject()
            options["include_usage"] = true
            object["stream_options"] = .object(options)
        }
        return WireJSON.object(object).serialized()
    }
}

/// The gateway's (and the simulated vendor's) rough token estimate: ~4 bytes per token.
enum PromptEstimator {
    static func tokens(forBytes bytes: Int) -> Int { max(1, (bytes + 3) / 4) }

    /// Bytes in the string leaves of a JSON value, except role names. Ids and types are
    /// counted too: this is an estimate, and vendors bill part of the structure as well.
    static func textBytes(of value: WireJSON) -> Int {
        switch value {
        case .string(let s): s.utf8.count
        case .array(let elements): elements.reduce(0) { $0 + textBytes(of: $1) }
        case .object(let object): object.members.reduce(0) { $0 + ($1.key == "role" ? 0 : textBytes(of: $1.value)) }
        default: 0
        }
    }
}
