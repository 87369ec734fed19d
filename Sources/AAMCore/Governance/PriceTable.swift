import Foundation

/// Effective-dated prices per (provider, upstream model).
///
/// Guarantees: `price(provider:model:at:)` returns the row with the latest `effectiveFrom` that
/// is not after `at`, or nil when there is none. Nil means **unpriced**: the server must report
/// the model (event and admin API) and must not bill the call as free. Inserting a row with the
/// same (provider, model, effectiveFrom) replaces the old one, so `PUT /admin/pricing` can
/// correct a row. Lookups are O(log n) in the rows of one model.
public struct PriceTable: Sendable, Hashable, Codable {
    struct ModelKey: Sendable, Hashable, Codable {
        var provider: String
        var model: String
    }

    /// Rows per model, sorted by `effectiveFrom` ascending.
    private var rows: [ModelKey: [ModelPrice]] = [:]

    public init(_ prices: [ModelPrice] = []) {
        for price in prices { insert(price) }
    }

    /// Adds or replaces (same provider, model and `effectiveFrom`) one row.
    public mutating func insert(_ price: ModelPrice) {
        let key = ModelKey(provider: price.provider, model: price.model)
        var list = rows[key] ?? []
        let index = list.partitioningIndex { $0.effectiveFrom >= price.effectiveFrom }
        if index < list.count, list[index].effectiveFrom == price.effectiveFrom {
            list[index] = price
        } else {
            list.insert(price, at: index)
        }
        rows[key] = list
    }

    /// The price in effect at `date`, or nil when the model is unpriced at that time.
    public func price(provider: String, model: String, at date: Date) -> ModelPrice? {
        guard let list = rows[ModelKey(provider: provider, model: model)] else { return nil }
        let index = list.partitioningIndex { $0.effectiveFrom > date }
        return index == 0 ? nil : list[index - 1]
    }

    /// Every row, by provider, model and date (for the admin API and persistence).
    public var allPrices: [ModelPrice] {
        rows.values.flatMap { $0 }.sorted {
            ($0.provider, $0.model, $0.effectiveFrom) < ($1.provider, $1.model, $1.effectiveFrom)
        }
    }

    /// The cost of `usage` at `price` (see `ModelPrice.cost(of:)`).
    public static func cost(usage: TokenUsage, price: ModelPrice) throws(MoneyError) -> Money {
        try price.cost(of: usage)
    }

    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode([ModelPrice].self))
    }

    /// Encodes as a flat array of rows.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(allPrices)
    }
}

extension Array {
    /// The first index whose element satisfies `predicate`, which must be false then true
    /// along the array (binary search).
    fileprivate func partitioningIndex(where predicate: (Element) -> Bool) -> Int {
        var low = 0
        var high = count
        while low < high {
            let mid = (low + high) / 2
            if predicate(self[mid]) { high = mid } else { low = mid + 1 }
        }
        return low
    }
}
