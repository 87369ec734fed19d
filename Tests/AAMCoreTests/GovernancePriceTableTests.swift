import AAMCore
import Foundation
import Testing

private func instant(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }
private func usd(_ text: String) -> Money { try! Money(parsing: text) }

private func row(_ version: String, from date: String, input: String, output: String, cached: String? = nil,
                 model: String = "gpt-4o") -> ModelPrice {
    ModelPrice(provider: "openai", model: model, effectiveFrom: instant(date), inputPerMillion: usd(input),
               outputPerMillion: usd(output), cachedInputPerMillion: cached.map(usd), version: version)
}

@Suite("Governance: price table")
struct GovernancePriceTableTests {
    let table = PriceTable([
        row("v2", from: "2026-03-01T00:00:00Z", input: "2.00", output: "8.00"),
        row("v1", from: "2026-01-01T00:00:00Z", input: "2.50", output: "10.00", cached: "1.25"),
    ])

    @Test("the row in effect is the latest one not after the instant; before any row it is unpriced")
    func effectiveDating() {
        #expect(table.price(provider: "openai", model: "gpt-4o", at: instant("2025-12-31T23:59:59Z")) == nil)
        #expect(table.price(provider: "openai", model: "gpt-4o", at: instant("2026-01-01T00:00:00Z"))?.version == "v1")
        #expect(table.price(provider: "openai", model: "gpt-4o", at: instant("2026-02-28T23:59:59Z"))?.version == "v1")
        #expect(table.price(provider: "openai", model: "gpt-4o", at: instant("2026-03-01T00:00:00Z"))?.version == "v2")
        #expect(table.price(provider: "openai", model: "gpt-4o", at: instant("2030-01-01T00:00:00Z"))?.version == "v2")
        #expect(table.price(provider: "openai", model: "gpt-5", at: instant("2026-06-01T00:00:00Z")) == nil)
        #expect(table.price(provider: "azure", model: "gpt-4o", at: instant("2026-06-01T00:00:00Z")) == nil)
    }

    @Test("a row with the same start replaces the old one")
    func replace() {
        var table = table
        table.insert(row("v2-fixed", from: "2026-03-01T00:00:00Z", input: "2.10", output: "8.00"))
        #expect(table.allPrices.map(\.version) == ["v1", "v2-fixed"])
        #expect(table.price(provider: "openai", model: "gpt-4o", at: instant("2026-04-01T00:00:00Z"))?.inputPerMillion == usd("2.10"))
    }

    @Test("cost bills uncached, cached and completion tokens at their prices")
    func cost() throws {
        let v1 = try #require(table.price(provider: "openai", model: "gpt-4o", at: instant("2026-02-01T00:00:00Z")))
        let usage = TokenUsage(promptTokens: 1000, completionTokens: 500, cachedPromptTokens: 400)
        // 600 × 2.50 + 400 × 1.25 + 500 × 10.00 per million = 0.0015 + 0.0005 + 0.005
        #expect(try PriceTable.cost(usage: usage, price: v1) == usd("0.007"))
        // Without a cached price, cached tokens pay the full input price.
        let v2 = try #require(table.price(provider: "openai", model: "gpt-4o", at: instant("2026-03-02T00:00:00Z")))
        #expect(try PriceTable.cost(usage: usage, price: v2) == usd("0.006"))
        #expect(try PriceTable.cost(usage: .zero, price: v2) == .zero)
        // The estimate is an upper bound of any real bill with at most that many tokens.
        #expect(try v1.estimate(promptTokens: 1000, maxOutputTokens: 500) >= PriceTable.cost(usage: usage, price: v1))
    }

    @Test("rounding happens once, upwards, on the sum")
    func rounding() throws {
        let cheap = row("c", from: "2026-01-01T00:00:00Z", input: "0.0001", output: "0.0001", model: "tiny")
        // 5 + 5 tokens at 0.1 nano each = 1 nano exactly; rounding each part separately would give 2.
        #expect(try PriceTable.cost(usage: TokenUsage(promptTokens: 5, completionTokens: 5), price: cheap).nanos == 1)
        #expect(try PriceTable.cost(usage: TokenUsage(promptTokens: 1), price: cheap).nanos == 1)
    }

    @Test("round-trips through JSON as a list of rows")
    func codable() throws {
        let data = try JSONEncoder().encode(table)
        #expect(try JSONDecoder().decode(PriceTable.self, from: data) == table)
    }
}
