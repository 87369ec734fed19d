import AAMCore
import Foundation
import Testing

/// `PUT/GET /admin/pricing`, the cost on call records, and USD budgets that need a price.
@Suite("Governance pricing")
struct GovernancePricingTests {
    static let body = #"{"model":"chat","max_tokens":50,"messages":[{"role":"user","content":"hello"}]}"#
    static let prices = #"[{"provider":"sim","model":"sim-model","inputPerMillion":"1000000","outputPerMillion":"2000000","version":"v1"}]"#

    @Test func callRecordsCarryCostAndPriceVersion() async throws {
        try await withGateway { gateway in
            try await gateway.addSimulatedAliases(["chat"])
            let put = try await gateway.admin(.PUT, "/admin/pricing", json: Self.prices)
            #expect(put.status == 200, "\(put.text)")
            let listed = try await gateway.admin(.GET, "/admin/pricing")
            #expect(listed.text.contains(#""version":"v1""#), "\(listed.text)")
            let key = try await gateway.issueKey().secret
            let subscription = gateway.gateway.runtime.bus.subscribe()
            let reply = try await gateway.call("/v1/chat/completions", key: key, json: Self.body)
            #expect(reply.status == 200)
            let record = try await GatewayHarness.record(reply.requestID(), on: subscription)
            #expect(record.priceVersion == "v1")
            // $1 per prompt token, $2 per completion token.
            let expected = Double(record.promptTokens + 2 * record.completionTokens)
            #expect(record.costUSD.flatMap(Double.init) == expected, "\(record.costUSD ?? "nil")")
        }
    }

    @Test func aUSDBudgetRefusesAnUnpricedModelAndReportsIt() async throws {
        try await withGateway { gateway in
            try await gateway.addSimulatedAliases(["chat"])
            let key = try await gateway.issueKey(extra: #""budgets":[{"period":"monthly","usd":"1000"}]"#).secret
            let refused = try await gateway.call("/v1/chat/completions", key: key, json: Self.body)
            #expect(refused.status == 400)
            #expect(try refused.errorCode() == "model_unpriced")
            let unpriced = try await gateway.admin(.GET, "/admin/pricing/unpriced")
            #expect(unpriced.text.contains(#""model":"sim-model""#), "\(unpriced.text)")
            #expect(try await gateway.admin(.PUT, "/admin/pricing", json: Self.prices).status == 200)
            let served = try await gateway.call("/v1/chat/completions", key: key, json: Self.body)
            #expect(served.status == 200, "\(served.text)")
            // A key without USD budgets is never refused for a missing price.
            let free = try await gateway.issueKey(org: "other").secret
            #expect(try await gateway.admin(.PUT, "/admin/pricing", json: "[]").status == 200)
            #expect(try await gateway.call("/v1/chat/completions", key: free, json: Self.body).status == 200)
        }
    }

    @Test func aUSDBudgetAdmitsWhatItCanPayFor() async throws {
        try await withGateway { gateway in
            try await gateway.addSimulatedAliases(["chat"])
            #expect(try await gateway.admin(.PUT, "/admin/pricing", json: Self.prices).status == 200)
            // The estimate is (bytes / 4) × $1 + 50 × $2; the budget covers it plus $10. The
            // first call settles at its real cost (≥ 6 completion tokens × $2 = $12 > $10), so
            // what is left no longer covers a second estimate.
            let estimate = Self.body.utf8.count / 4 + 100
            let key = try await gateway.issueKey(extra: #""budgets":[{"period":"daily","usd":"\#(estimate + 10)"}]"#).secret
            let first = try await gateway.call("/v1/chat/completions", key: key, json: Self.body)
            #expect(first.status == 200, "\(first.text)")
            let second = try await gateway.call("/v1/chat/completions", key: key, json: Self.body)
            #expect(second.status == 429)
            #expect(try second.errorCode() == "budget_exceeded")
        }
    }

    @Test func invalidPriceRowsAreNamed() async throws {
        try await withGateway { gateway in
            let bad = try await gateway.admin(
                .PUT, "/admin/pricing",
                json: #"[{"provider":"sim","model":"m","inputPerMillion":"1","outputPerMillion":"two","version":"v1"}]"#)
            #expect(bad.status == 400)
            #expect(try bad.errorMessage().contains(#"[0].outputPerMillion: must be a decimal amount like "2.50""#), "\(bad.text)")
            let missing = try await gateway.admin(.PUT, "/admin/pricing", json: #"[{"provider":"sim","model":"m"}]"#)
            #expect(missing.status == 400)
            #expect(try missing.errorMessage().contains("is required"))
        }
    }
}
