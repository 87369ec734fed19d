import AAMCore
import Yams

/// Decodes one item of `aliases:` (routing settings of an alias).
enum AliasDecoder {
    static let fields = ["name", "strategy", "fallbacks", "retries", "timeoutMs", "contextWindowFallback"]

    static func decode(_ node: Node, path: FieldPath, context: DecodingContext) -> DeclaredAlias? {
        guard let reader = MappingReader(node, path: path, context: context, fields: fields) else { return nil }
        let name = reader.slug("name", required: true)
        let strategy = readStrategy(reader)
        let fallbacks = (reader.strings("fallbacks") ?? []).filter { SlugRule.check($0, context: context) }
        let retries = reader.int("retries", .between(0, 10))
        let timeoutMs = reader.int("timeoutMs", .atLeast(1))
        let contextWindowFallback = reader.slug("contextWindowFallback")
        guard let name else { return nil }
        let settings = AliasSettings(
            name: name.text, strategy: strategy ?? .weighted, fallbacks: fallbacks.map(\.text), retries: retries ?? 1,
            timeoutMs: timeoutMs, contextWindowFallback: contextWindowFallback?.text
        )
        return DeclaredAlias(
            name: name, settings: settings, fallbacks: fallbacks, contextWindowFallback: contextWindowFallback)
    }

    private static func readStrategy(_ reader: MappingReader) -> AliasSettings.Strategy? {
        guard let scalar = reader.string("strategy") else { return nil }
        guard let strategy = AliasSettings.Strategy(rawValue: scalar.text) else {
            let known = AliasSettings.Strategy.allCases.map(\.rawValue)
            let hint = ClosestMatch.hint(
                for: scalar.text, among: known, otherwise: " (expected one of \(known.joined(separator: ", ")))")
            reader.context.report(
                scalar.path, at: scalar.mark,
                "unknown strategy \(scalar.display)\(hint)")
            return nil
        }
        return strategy
    }
}
