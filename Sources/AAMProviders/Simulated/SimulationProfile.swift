/// How a simulated vendor behaves: latency, speed, answer length and failure rate.
public struct SimulationProfile: Sendable, Codable, Equatable {
    /// Time to first token, in milliseconds.
    public var ttftMs: Int
    /// Streaming speed after the first token.
    public var tokensPerSecond: Double
    /// Completion tokens per answer (capped by the request's max tokens).
    public var completionTokens: Int
    /// Fraction of requests that fail, 0...1.
    public var errorRate: Double

    /// Creates a profile; the defaults are a fast, reliable vendor.
    public init(ttftMs: Int = 50, tokensPerSecond: Double = 200, completionTokens: Int = 64, errorRate: Double = 0) {
        self.ttftMs = ttftMs
        self.tokensPerSecond = tokensPerSecond
        self.completionTokens = completionTokens
        self.errorRate = errorRate
    }

    private enum CodingKeys: String, CodingKey {
        case ttftMs, tokensPerSecond, completionTokens, errorRate
    }

    /// Decodes a profile; missing keys take the defaults so config files can set only what differs.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = SimulationProfile()
        ttftMs = try container.decodeIfPresent(Int.self, forKey: .ttftMs) ?? defaults.ttftMs
        tokensPerSecond = try container.decodeIfPresent(Double.self, forKey: .tokensPerSecond) ?? defaults.tokensPerSecond
        completionTokens = try container.decodeIfPresent(Int.self, forKey: .completionTokens) ?? defaults.completionTokens
        errorRate = try container.decodeIfPresent(Double.self, forKey: .errorRate) ?? defaults.errorRate
    }

    /// How long to wait before sending stream chunk `index` of a ``SimulatedVendor`` stream:
    /// the time to first token before chunk 0, one token interval before each later chunk.
    public func delayMilliseconds(beforeChunk index: Int) -> Double {
        if index == 0 { return Double(max(0, ttftMs)) }
        return tokensPerSecond > 0 ? 1000 / tokensPerSecond : 0
    }

    /// Total time a non-streaming answer of `tokens` tokens takes.
    public func totalMilliseconds(completionTokens tokens: Int) -> Double {
        Double(max(0, ttftMs)) + (tokensPerSecond > 0 ? Double(max(0, tokens - 1)) * 1000 / tokensPerSecond : 0)
    }
}
