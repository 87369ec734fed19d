import AAMCore

/// Everything the simulated vendor decides about one request, before formatting it.
struct SimulatedPlan {
    var answers: [SimulatedAnswer]
    var promptTokens: Int
    var completionTokens: Int
    var includeUsage: Bool

    /// The most choices (`n`) the simulator accepts.
    static let maxChoices = 8

    init(body: [UInt8], profile: SimulationProfile) throws(TranslationError) {
        let request = try FieldReader.root(body, context: "request body")
        let messages = try request.objects("messages", required: true)
        guard !messages.isEmpty else { throw .field("messages", "must contain at least one message") }
        let n = try request.optionalInt("n") ?? 1
        guard (1...Self.maxChoices).contains(n) else { throw .field("n", "must be between 1 and \(Self.maxChoices)") }
        var limit = try request.optionalInt("max_completion_tokens")
        if limit == nil { limit = try request.optionalInt("max_tokens") }
        if let limit, limit < 1 { throw .field(request.has("max_completion_tokens") ? "max_completion_tokens" : "max_tokens", "must be a positive integer") }

        let configured = max(0, profile.completionTokens)
        let count = min(configured, limit ?? Int.max)
        let finishReason = count < configured ? "length" : "stop"
        let seed = StableHash.fnv1a(body)
        let tool = try Self.toolToCall(request, messages: messages)

        answers = []
        for choice in 0..<n {
            if let tool {
                answers.append(.toolCall(tool: tool, seed: seed &+ UInt64(choice)))
            } else {
                var generator = SplitMix64(seed: seed &+ UInt64(choice))
                answers.append(.text(count: count, generator: &generator, finishReason: finishReason))
            }
        }
        promptTokens = PromptEstimator.tokens(forBytes: PromptEstimator.textBytes(of: .array(messages.map { .object($0.object) })))
        completionTokens = TokenUsage.clamp(count) * n  // bounded: n <= maxChoices
        includeUsage = try request.optionalObject("stream_options")?.optionalBool("include_usage") ?? false
    }

    var usageJSON: WireJSON {
        [
            "prompt_tokens": .int(promptTokens), "completion_tokens": .int(completionTokens),
            "total_tokens": .int(TokenUsage.sum(promptTokens, completionTokens)),
            "prompt_tokens_details": ["cached_tokens": 0, "audio_tokens": 0],
            "completion_tokens_details": [
                "reasoning_tokens": 0, "audio_tokens": 0, "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0,
            ],
        ]
    }

    /// The tool to call, if any: a forced one, or — when the last message is from the user and
    /// mentions weather — the first weather-ish tool (else the first tool).
    private static func toolToCall(_ request: FieldReader, messages: [FieldReader]) throws(TranslationError) -> WireJSONObject? {
        let tools = try request.objects("tools").map(\.object)
        guard !tools.isEmpty else { return nil }
        func name(_ tool: WireJSONObject) -> String { tool["function"]?["name"]?.stringValue ?? "" }
        let choice = request.value("tool_choice")
        if choice?.stringValue == "none" { return nil }
        if let forced = choice?["function"]?["name"]?.stringValue {
            return tools.first { name($0) == forced } ?? ["type": "function", "function": ["name": .string(forced)]]
        }
        let last = messages[messages.count - 1]
        let mentionsWeather = try last.string("role") == "user" && PromptEstimator.text(of: last.value("content")).lowercased().contains("weather")
        guard choice?.stringValue == "required" || mentionsWeather else { return nil }
        return tools.first { name($0).lowercased().contains("weather") } ?? tools[0]
    }
}

extension PromptEstimator {
    /// The text of a message `content` (string or text parts).
    static func text(of content: WireJSON?) -> String {
        switch content {
        case .string(let s): s
        case .array(let parts): parts.compactMap { $0["text"]?.stringValue }.joined(separator: " ")
        default: ""
        }
    }
}
