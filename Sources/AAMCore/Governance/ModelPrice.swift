import Foundation

/// The price of one upstream model at one provider from `effectiveFrom` on, per million tokens.
///
/// `version` is recorded on every call record priced with it, so a bill can always be traced to
/// the exact row. When `cachedInputPerMillion` is nil, cached prompt tokens are billed at the
/// full input price (never free).
public struct ModelPrice: Sendable, Hashable, Codable {
    public var provider: String
    public var model: String
    public var effectiveFrom: Date
    public var inputPerMillion: Money
    public var outputPerMillion: Money
    public var cachedInputPerMillion: Money?
    public var version: String

    public init(
        provider: String, model: String, effectiveFrom: Date, inputPerMillion: Money, outputPerMillion: Money,
        cachedInputPerMillion: Money? = nil, version: String
    ) {
        self.provider = provider
        self.model = model
        self.effectiveFrom = effectiveFrom
        self.inputPerMillion = inputPerMillion
        self.outputPerMillion = outputPerMillion
        self.cachedInputPerMillion = cachedInputPerMillion
        self.version = version
    }

    /// The cost of `usage` at this price: uncached prompt tokens at the input price, cached
    /// prompt tokens (at most all of the prompt) at the cached-input price, completion tokens at
    /// the output price; summed exactly and rounded up to the nano-dollar once.
    public func cost(of usage: TokenUsage) throws(MoneyError) -> Money {
        let prompt = max(usage.promptTokens, 0)
        let cached = min(max(usage.cachedPromptTokens, 0), prompt)
        return try Money.forTokenSum([
            (prompt - cached, inputPerMillion),
            (cached, cachedInputPerMillion ?? inputPerMillion),
            (max(usage.completionTokens, 0), outputPerMillion),
        ])
    }

    /// An upper bound of what a call can cost before it runs: `promptTokens` at the input price
    /// (ignoring any cache discount) plus `maxOutputTokens` at the output price. Reserve this.
    public func estimate(promptTokens: Int, maxOutputTokens: Int) throws(MoneyError) -> Money {
        try cost(of: TokenUsage(promptTokens: promptTokens, completionTokens: maxOutputTokens))
    }
}
