import AAMCore
import AAMServer
import Foundation
import Testing

/// A model found without a price is published on the bus once per provider and model.
@Suite("Governance unpriced event")
struct GovernanceUnpricedEventTests {
    @Test func eachUnpricedModelIsReportedOnceOnTheBus() async throws {
        let bus = EventBus()
        let subscription = bus.subscribe()
        let book = PriceBook(bus: bus)
        let now = Date()
        #expect(book.price(provider: "sim", model: "a", at: now) == nil)
        #expect(book.price(provider: "sim", model: "a", at: now) == nil)
        #expect(book.price(provider: "other", model: "a", at: now) == nil)
        book.replace(with: [
            ModelPrice(provider: "sim", model: "a", effectiveFrom: .distantPast, inputPerMillion: .zero, outputPerMillion: .zero, version: "v1")
        ])
        #expect(book.price(provider: "sim", model: "a", at: now) != nil)
        book.replace(with: [])
        #expect(book.price(provider: "sim", model: "a", at: now) == nil, "unpriced again: listed, but not reported twice")
        #expect(book.unpriced.count == 2)
        bus.publish(.adminChange(actor: "test", action: "end", target: "end"))
        var reported: [GatewayEvent] = []
        for await event in subscription.events {
            if case .adminChange = event { break }
            reported.append(event)
        }
        #expect(reported == [.modelUnpriced(provider: "sim", model: "a"), .modelUnpriced(provider: "other", model: "a")])
    }

    @Test func anUnpricedCallPublishesTheEvent() async throws {
        try await withGateway { gateway in
            try await gateway.addSimulatedAliases(["chat"])
            let key = try await gateway.issueKey(extra: #""budgets":[{"period":"monthly","usd":"1000"}]"#).secret
            let subscription = gateway.gateway.runtime.bus.subscribe()
            let refused = try await gateway.call("/v1/chat/completions", key: key, json: GovernancePricingTests.body)
            #expect(refused.status == 400)
            var found: GatewayEvent?
            for await event in subscription.events {
                if case .modelUnpriced = event { found = event; break }
            }
            #expect(found == .modelUnpriced(provider: "sim", model: "sim-model"))
        }
    }
}
