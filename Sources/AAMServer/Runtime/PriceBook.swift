import AAMCore
import Foundation
import Synchronization

/// The price table the request path reads (replaced by `PUT /admin/pricing`), and the models
/// seen without a price (reported by `GET /admin/pricing/unpriced`, never billed as free).
/// The first miss of each provider/model publishes `GatewayEvent.modelUnpriced` on the bus.
/// Prices survive restarts through `GovernancePersistence`.
public final class PriceBook: Sendable {
    public struct ModelRef: Sendable, Hashable, Codable {
        public var provider: String
        public var model: String
    }

    private struct State: Sendable {
        var table = PriceTable()
        var unpriced: Set<ModelRef> = []
        /// Every model already reported on the bus (never cleared: one event per model).
        var reported: Set<ModelRef> = []
    }

    private let state = Mutex(State())
    private let bus: EventBus?

    public init(bus: EventBus? = nil) {
        self.bus = bus
    }

    public var table: PriceTable { state.withLock { $0.table } }

    public func replace(with prices: [ModelPrice]) {
        state.withLock {
            $0.table = PriceTable(prices)
            $0.unpriced = $0.unpriced.filter { ref in !prices.contains { $0.provider == ref.provider && $0.model == ref.model } }
        }
    }

    /// The price of `model` on `provider` at `date`; a miss is remembered as unpriced.
    public func price(provider: String, model: String, at date: Date) -> ModelPrice? {
        let (price, firstMiss) = state.withLock { state -> (ModelPrice?, Bool) in
            if let price = state.table.price(provider: provider, model: model, at: date) { return (price, false) }
            let ref = ModelRef(provider: provider, model: model)
            state.unpriced.insert(ref)
            return (nil, state.reported.insert(ref).inserted)
        }
        if firstMiss { bus?.publish(.modelUnpriced(provider: provider, model: model)) }
        return price
    }

    public var unpriced: [ModelRef] {
        state.withLock { $0.unpriced.sorted { ($0.provider, $0.model) < ($1.provider, $1.model) } }
    }
}
