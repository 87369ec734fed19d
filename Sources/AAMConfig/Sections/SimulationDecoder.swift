import AAMCore
import Yams

/// Decodes a simulated provider's `simulation:` knobs; omitted knobs keep `SimulationSettings()`'s defaults.
enum SimulationDecoder {
    static let fields = ["ttftMs", "tokensPerSecond", "completionTokens", "errorRate"]

    static func decode(_ node: Node, path: FieldPath, context: DecodingContext) -> SimulationSettings {
        var settings = SimulationSettings()
        guard let reader = MappingReader(node, path: path, context: context, fields: fields) else { return settings }
        if let value = reader.int("ttftMs", .atLeast(0)) { settings.ttftMs = value }
        if let value = reader.double("tokensPerSecond", .above(0)) { settings.tokensPerSecond = value }
        if let value = reader.int("completionTokens", .between(1, 100_000)) { settings.completionTokens = value }
        if let value = reader.double("errorRate", .between(0, 1)) { settings.errorRate = value }
        return settings
    }
}
