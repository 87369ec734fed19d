/// Token counts reported by an upstream for one call (or estimated when it reported none).
///
/// Shared vocabulary between the provider translators (which read it off each vendor's wire
/// format) and the call record / budget ledger (which bill it).
///
/// Every count is clamped to `0...maximumCount` when set: an upstream is not trusted with the
/// gateway's arithmetic, so a vendor (or an impostor) reporting `prompt_tokens: 2^63-1` cannot
/// make a sum of counts trap, and a negative count cannot credit a budget. The bound is far
/// above any real call (a trillion tokens), and a few bounded counts always add up in an `Int`.
public struct TokenUsage: Sendable, Hashable, Codable {
    /// The largest count kept (10¹²): larger reports are clamped to it.
    public static let maximumCount = 1_000_000_000_000

    private var prompt: Int
    private var completion: Int
    private var cachedPrompt: Int

    public var promptTokens: Int {
        get { prompt }
        set { prompt = Self.clamp(newValue) }
    }
    public var completionTokens: Int {
        get { completion }
        set { completion = Self.clamp(newValue) }
    }
    /// Prompt tokens served from the vendor's prompt cache (billed at the cached-input price).
    public var cachedPromptTokens: Int {
        get { cachedPrompt }
        set { cachedPrompt = Self.clamp(newValue) }
    }

    public init(promptTokens: Int = 0, completionTokens: Int = 0, cachedPromptTokens: Int = 0) {
        prompt = Self.clamp(promptTokens)
        completion = Self.clamp(completionTokens)
        cachedPrompt = Self.clamp(cachedPromptTokens)
    }

    /// Prompt plus completion tokens (never traps: both are bounded).
    public var totalTokens: Int { prompt + completion }

    public static let zero = TokenUsage()

    /// `count` within `0...maximumCount`.
    public static func clamp(_ count: Int) -> Int { min(max(count, 0), maximumCount) }

    /// `a + b` of two untrusted counts, clamped like a stored count (for sums read off a wire
    /// before they become a `TokenUsage`).
    public static func sum(_ counts: Int...) -> Int {
        counts.reduce(0) { clamp($0 + clamp($1)) }
    }

    private enum CodingKeys: String, CodingKey { case promptTokens, completionTokens, cachedPromptTokens }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            promptTokens: try c.decode(Int.self, forKey: .promptTokens), completionTokens: try c.decode(Int.self, forKey: .completionTokens),
            cachedPromptTokens: try c.decode(Int.self, forKey: .cachedPromptTokens))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(prompt, forKey: .promptTokens)
        try c.encode(completion, forKey: .completionTokens)
        try c.encode(cachedPrompt, forKey: .cachedPromptTokens)
    }
}
