import Foundation

/// A deterministic simulated vendor speaking the OpenAI wire format, for the demo and load tests.
///
/// The same request body always yields the same answer (the body's hash seeds the words);
/// completion token counts follow the profile (capped by `max_completion_tokens`/`max_tokens`,
/// then `finish_reason: length`); prompt tokens are estimated at ~4 bytes of message text each.
/// When the request declares tools and the last message is a user message mentioning
/// "weather", or `tool_choice` forces a tool, the answer is a tool call whose arguments are
/// streamed in several fragments, so demos exercise tool-call streaming.
public struct SimulatedVendor: Sendable {
    /// Latency, speed, length and failure behaviour.
    public let profile: SimulationProfile
    /// The `model` reported in responses.
    public let model: String

    /// Creates a vendor.
    public init(profile: SimulationProfile, model: String) {
        self.profile = profile
        self.model = model
    }

    /// Whether a request fails: `roll` (uniform in 0..<1, supplied by the caller so tests and
    /// seeded load runs are reproducible) compared with the profile's error rate.
    public func shouldFail(roll: Double) -> Bool { roll < profile.errorRate }

    /// A reproducible roll in 0..<1 for a request, for callers without their own random source.
    public static func roll(forRequest body: [UInt8], requestID: String) -> Double {
        var generator = SplitMix64(seed: StableHash.fnv1a(requestID.utf8, seed: StableHash.fnv1a(body)))
        return generator.unit()
    }

    /// The full `chat.completion` JSON for a request.
    public func chatCompletion(request body: [UInt8], requestID: String, created: Int) throws(TranslationError) -> [UInt8] {
        let plan = try SimulatedPlan(body: body, profile: profile)
        var choices: [WireJSON] = []
        for (index, answer) in plan.answers.enumerated() {
            var message: WireJSONObject = ["role": "assistant"]
            let finishReason: String
            switch answer {
            case .text(let tokens, let reason):
                message["content"] = .string(tokens.joined())
                finishReason = reason
            case .toolCall(let id, let name, let arguments):
                message["content"] = .null
                message["tool_calls"] = [["id": .string(id), "type": "function", "function": ["name": .string(name), "arguments": .string(arguments)]]]
                finishReason = "tool_calls"
            }
            message["refusal"] = .null
            message["annotations"] = []
            choices.append(["index": .int(index), "message": .object(message), "logprobs": nil, "finish_reason": .string(finishReason)])
        }
        let response: WireJSON = [
            "id": .string(Self.completionID(requestID)), "object": "chat.completion", "created": .int(created),
            "model": .string(model), "choices": .array(choices), "usage": plan.usageJSON,
            "service_tier": "default", "system_fingerprint": .string(Self.systemFingerprint),
        ]
        return response.serialized()
    }

    /// The stream for a request: each element is one complete SSE event (role chunk, one chunk
    /// per token or argument fragment, the finish chunk per choice, the usage chunk when
    /// `stream_options.include_usage` is set, then `data: [DONE]`). The caller paces them with
    /// ``SimulationProfile/delayMilliseconds(beforeChunk:)``.
    public func chatCompletionChunks(request body: [UInt8], requestID: String, created: Int) throws(TranslationError) -> [[UInt8]] {
        let plan = try SimulatedPlan(body: body, profile: profile)
        let id = Self.completionID(requestID)
        func chunk(_ choices: WireJSON, usage: WireJSON = nil) -> [UInt8] {
            var object: WireJSONObject = [
                "id": .string(id), "object": "chat.completion.chunk", "created": .int(created), "model": .string(model),
                "service_tier": "default", "system_fingerprint": .string(Self.systemFingerprint), "choices": choices,
            ]
            if plan.includeUsage { object["usage"] = usage }
            return SSEEvent.data(.object(object)).encoded()
        }
        func delta(_ index: Int, _ delta: WireJSON, finish: WireJSON = nil) -> [UInt8] {
            chunk([["index": .int(index), "delta": delta, "logprobs": nil, "finish_reason": finish]])
        }

        var events: [[UInt8]] = []
        for (index, answer) in plan.answers.enumerated() {
            switch answer {
            case .text(let tokens, let reason):
                events.append(delta(index, ["role": "assistant", "content": "", "refusal": nil]))
                for token in tokens { events.append(delta(index, ["content": .string(token)])) }
                events.append(delta(index, [:], finish: .string(reason)))
            case .toolCall(let callID, let name, let arguments):
                let opening: WireJSON = [
                    "index": 0, "id": .string(callID), "type": "function", "function": ["name": .string(name), "arguments": ""],
                ]
                events.append(delta(index, ["role": "assistant", "content": nil, "tool_calls": [opening], "refusal": nil]))
                for fragment in SimulatedAnswer.argumentFragments(arguments) {
                    events.append(delta(index, ["tool_calls": [["index": 0, "function": ["arguments": .string(fragment)]]]]))
                }
                events.append(delta(index, [:], finish: "tool_calls"))
            }
        }
        if plan.includeUsage { events.append(chunk([], usage: plan.usageJSON)) }
        events.append(SSEEvent.openAIDone.encoded())
        return events
    }

    /// An embeddings response: one deterministic unit vector per input (the same text always
    /// maps to the same vector), 8 dimensions unless `dimensions` says otherwise.
    public func embeddings(request body: [UInt8]) throws(TranslationError) -> [UInt8] {
        let request = try EmbeddingsCodec.parseRequest(body)
        let dimensions = request.dimensions ?? 8
        var data: [WireJSON] = []
        for (index, input) in request.inputs.enumerated() {
            let seed: UInt64
            switch input {
            case .text(let text): seed = StableHash.fnv1a(text.utf8)
            case .tokens(let ids): seed = StableHash.fnv1a(ids.map(String.init).joined(separator: ",").utf8)
            }
            let vector = Self.unitVector(dimensions: dimensions, seed: seed)
            let embedding: WireJSON
            if request.encodingFormat == "base64" {
                var bytes: [UInt8] = []
                for component in vector { withUnsafeBytes(of: component.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
                embedding = .string(Data(bytes).base64EncodedString())
            } else {
                embedding = .array(vector.map { .number(String($0)) })
            }
            data.append(["object": "embedding", "index": .int(index), "embedding": embedding])
        }
        let tokens = request.estimatedPromptTokens
        let response: WireJSON = [
            "object": "list", "data": .array(data), "model": .string(model),
            "usage": ["prompt_tokens": .int(tokens), "total_tokens": .int(tokens)],
        ]
        return response.serialized()
    }

    /// An OpenAI-shaped error body for an injected failure with this HTTP status.
    public func errorBody(status: Int) -> [UInt8] {
        let (message, type, code): (String, String, String?) =
            switch status {
            case 400: ("Invalid request.", "invalid_request_error", nil)
            case 401: ("Incorrect API key provided.", "invalid_request_error", "invalid_api_key")
            case 403: ("You are not allowed to access this model.", "invalid_request_error", "model_not_found")
            case 404: ("The model `\(model)` does not exist or you do not have access to it.", "invalid_request_error", "model_not_found")
            case 429: ("Rate limit reached for requests. Please try again in 1s.", "requests", "rate_limit_exceeded")
            case 503: ("The engine is currently overloaded, please try again later.", "server_error", nil)
            default: ("The server had an error while processing your request. Sorry about that!", "server_error", nil)
            }
        let body: WireJSON = [
            "error": ["message": .string(message), "type": .string(type), "param": nil, "code": code.map(WireJSON.string) ?? .null],
        ]
        return body.serialized()
    }

    // MARK: Helpers

    static let systemFingerprint = "fp_aamsim01"

    static func completionID(_ requestID: String) -> String {
        requestID.hasPrefix("chatcmpl-") ? requestID : "chatcmpl-\(requestID)"
    }

    static func unitVector(dimensions: Int, seed: UInt64) -> [Float] {
        var generator = SplitMix64(seed: seed)
        var vector = (0..<dimensions).map { _ in Float(generator.unit() * 2 - 1) }
        let norm = vector.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
        if norm > 0 { vector = vector.map { $0 / norm } } else if !vector.isEmpty { vector[0] = 1 }
        return vector
    }
}
