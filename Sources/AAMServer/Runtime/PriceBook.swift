import AAMCore
import Foundation
import Synchronization

/// The price table the request path reads (replaced by `PUT /admin/pricing`), and the models
/// seen without a price (reported by `GET /admin/pricing/unpriced`, never billed as free).
/// In memory only for now: prices do not survive a restart.
public final class PriceBook: Sendable {
    public struct ModelRef: Sendable, Hashable, Codable {
        public var provider: String
        public var model: String
    }

    private struct State: Sendable {
        var table = PriceTable()
        var unpriced: Set<ModelRef> = []
    }

    private let state = Mutex(State())

    public init() {}

    public var table: PriceTable { state.withLock { $0.table } }

    public func replace(with prices: [ModelPrice]) {
        state.withLock {
            $0.table = PriceTable(prices)
            $0.unpriced = $0.unpriced.filter { ref in !prices.contains { $0.provider == ref.provider && $0.model == ref.model } }
        }
    }

    /// The price of `model` on `provider` at `date`; a miss is remembered as unpriced.
    public func price(provider: String, model: String, at date: Date) -> ModelPrice? {
        state.withLock {
            if let price = $0.table.price(provider: provider, model: model, at: date) { return price }
            $0.unpriced.insert(ModelRef(provider: provider, model: model))
            return nil
        }
    }

    public var unpriced: [ModelRef] {
        state.withLock { $0.unpriced.sorted { ($0.provider, $0.model) < ($1.provider, $1.model) } }
    }
}
