/// Token counts reported by an upstream for one call (or estimated when it reported none).
///
/// Shared vocabulary between the provider translators (which read it off each vendor's wire
/// format) and the call record / budget ledger (which bill it).
public struct TokenUsage: Sendable, Hashable, Codable {
    public var promptTokens: Int
    public var completionTokens: Int
    /// Prompt tokens served from the vendor's prompt cache (billed at the cached-input price).
    public var cachedPromptTokens: Int

    public init(promptTokens: Int = 0, completionTokens: Int = 0, cachedPromptTokens: Int = 0) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.cachedPromptTokens = cachedPromptTokens
    }

    public var totalTokens: Int { promptTokens + completionTokens }

    public static let zero = TokenUsage()
}
