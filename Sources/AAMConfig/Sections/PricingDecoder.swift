import AAMCore
import Foundation
import Yams

/// Decodes one item of `pricing:`, a price row like those of `PUT /admin/pricing`: dollars per
/// million tokens as decimal amounts, effective from `effectiveFrom` (default: always).
enum PricingDecoder {
    static let fields = ["provider", "model", "effectiveFrom", "inputPerMillion", "outputPerMillion", "cachedInputPerMillion", "version"]

    static func decode(_ node: Node, path: FieldPath, context: DecodingContext) -> ModelPrice? {
        guard let reader = MappingReader(node, path: path, context: context, fields: fields) else { return nil }
        let provider = reader.string("provider", required: true)
        let model = reader.string("model", required: true)
        let version = reader.string("version", required: true)
        var effectiveFrom = Date(timeIntervalSince1970: 0)
        var valid = true
        if let scalar = reader.string("effectiveFrom") {
            if let date = ISO8601Timestamp.parse(scalar.text) {
                effectiveFrom = date
            } else {
                valid = false
                context.report(
                    path.child("effectiveFrom"), at: scalar.mark,
                    "invalid timestamp \(scalar.display) (expected ISO 8601, e.g. 2027-01-01T00:00:00Z)")
            }
        }
        func money(_ key: String, required: Bool) -> Money? {
            guard let scalar = reader.string(key, required: required) else {
                if required { valid = false }
                return nil
            }
            guard let value = try? Money(parsing: scalar.text.trimmingSpaces), !value.isNegative else {
                valid = false
                context.report(path.child(key), at: scalar.mark, "expected a decimal amount like \"2.50\", got \(scalar.display)")
                return nil
            }
            return value
        }
        let input = money("inputPerMillion", required: true)
        let output = money("outputPerMillion", required: true)
        let cached = money("cachedInputPerMillion", required: false)
        guard valid, let provider, let model, let version, let input, let output else { return nil }
        return ModelPrice(
            provider: provider.text, model: model.text, effectiveFrom: effectiveFrom, inputPerMillion: input, outputPerMillion: output,
            cachedInputPerMillion: cached, version: version.text)
    }
}
