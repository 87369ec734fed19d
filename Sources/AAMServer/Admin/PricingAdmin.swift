import AAMCore
import Foundation

/// One row of `PUT /admin/pricing`: dollars per million tokens as decimal strings.
struct PriceInput: Decodable, Sendable {
    var provider: String
    var model: String
    var effectiveFrom: Date?
    var inputPerMillion: String
    var outputPerMillion: String
    var cachedInputPerMillion: String?
    var version: String
}

enum PricingAdmin {
    /// Decodes and validates a JSON list of price rows; errors name the row and field
    /// (`[2].outputPerMillion: must be a decimal amount like "2.50"`).
    static func decode(_ bytes: [UInt8]) throws(AdminError) -> [ModelPrice] {
        // The shared strict check first: a row holding a field twice is refused, not resolved.
        do { try JSONObjectScanner.validate(bytes) } catch {
            throw AdminError("request body is not valid JSON (\(error.description))")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom(AdminJSON.isoDate)
        let rows: [PriceInput]
        do {
            rows = try decoder.decode([PriceInput].self, from: Data(bytes))
        } catch let DecodingError.keyNotFound(key, context) {
            throw AdminError("is required", field: AdminJSON.path(context.codingPath + [key]))
        } catch let DecodingError.typeMismatch(expected, context) {
            throw AdminError("expected \(AdminJSON.describe(expected))", field: AdminJSON.path(context.codingPath))
        } catch let DecodingError.valueNotFound(expected, context) {
            throw AdminError("expected \(AdminJSON.describe(expected)), got null", field: AdminJSON.path(context.codingPath))
        } catch {
            throw AdminError("request body must be a JSON list of price rows")
        }
        var prices: [ModelPrice] = []
        for (index, row) in rows.enumerated() {
            func field(_ name: String) -> String { "[\(index)].\(name)" }
            if row.provider.isEmpty { throw AdminError("must not be empty", field: field("provider")) }
            if row.model.isEmpty { throw AdminError("must not be empty", field: field("model")) }
            if row.version.isEmpty { throw AdminError("must not be empty", field: field("version")) }
            func money(_ text: String, _ name: String) throws(AdminError) -> Money {
                guard let value = try? Money(parsing: text), !value.isNegative else {
                    throw AdminError(#"must be a decimal amount like "2.50""#, field: field(name))
                }
                return value
            }
            prices.append(ModelPrice(
                provider: row.provider, model: row.model, effectiveFrom: row.effectiveFrom ?? Date(timeIntervalSince1970: 0),
                inputPerMillion: try money(row.inputPerMillion, "inputPerMillion"),
                outputPerMillion: try money(row.outputPerMillion, "outputPerMillion"),
                cachedInputPerMillion: try row.cachedInputPerMillion.map { text throws(AdminError) in try money(text, "cachedInputPerMillion") },
                version: row.version))
        }
        return prices
    }
}
