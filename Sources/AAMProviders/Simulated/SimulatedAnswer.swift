/// What the simulated vendor answers for one choice: text tokens or one tool call.
enum SimulatedAnswer {
    case text(tokens: [String], finishReason: String)
    case toolCall(id: String, name: String, arguments: String)

    private static let vocabulary = [
        "the", "gateway", "routes", "each", "request", "to", "a", "healthy", "provider", "and", "records",
        "usage", "for", "every", "call", "while", "budgets", "stay", "within", "their", "limits", "so",
        "teams", "can", "ship", "features", "quickly", "with", "clear", "costs", "streaming", "tokens",
        "arrive", "in", "order", "models", "answer", "questions", "about", "data", "policy", "keeps",
        "secrets", "safe", "latency", "remains", "low", "under", "load", "retries", "fall", "back",
        "when", "an", "upstream", "fails", "operators", "watch", "the", "console", "live", "today",
    ]

    /// `count` word tokens ("Word", " word", …, " word."): one token per word, like a tokenizer would roughly give.
    static func text(count: Int, generator: inout SplitMix64, finishReason: String) -> SimulatedAnswer {
        var tokens: [String] = []
        tokens.reserveCapacity(count)
        for i in 0..<max(0, count) {
            var word = vocabulary[Int(generator.next() % UInt64(vocabulary.count))]
            if i == 0 { word = word.prefix(1).uppercased() + word.dropFirst() } else { word = " " + word }
            if i == count - 1 { word += "." }
            tokens.append(word)
        }
        return .text(tokens: tokens, finishReason: finishReason)
    }

    /// A tool call whose arguments fill the tool's JSON schema with plausible values.
    static func toolCall(tool: WireJSONObject, seed: UInt64) -> SimulatedAnswer {
        var generator = SplitMix64(seed: seed)
        let function = tool["function"]?.objectValue ?? WireJSONObject()
        let name = function["name"]?.stringValue ?? "tool"
        var arguments = WireJSONObject()
        for (key, schema) in function["parameters"]?["properties"]?.objectValue ?? WireJSONObject() {
            arguments[key] = sampleValue(key: key, schema: schema, generator: &generator)
        }
        let idAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        let id = "call_" + String((0..<24).map { _ in idAlphabet[Int(generator.next() % UInt64(idAlphabet.count))] })
        return .toolCall(id: id, name: name, arguments: WireJSON.object(arguments).serializedString())
    }

    private static func sampleValue(key: String, schema: WireJSON, generator: inout SplitMix64) -> WireJSON {
        if let options = schema["enum"]?.arrayValue, let first = options.first { return first }
        let lowered = key.lowercased()
        switch schema["type"]?.stringValue ?? "string" {
        case "integer": return .int(1 + Int(generator.next() % 100))
        case "number": return .double(Double(generator.next() % 1000) / 10)
        case "boolean": return true
        case "array": return []
        case "object": return [:]
        default:
            if lowered.contains("location") || lowered.contains("city") {
                let cities = ["Paris, France", "Tokyo, Japan", "San Francisco, CA", "Berlin, Germany"]
                return .string(cities[Int(generator.next() % UInt64(cities.count))])
            }
            if lowered.contains("unit") { return "celsius" }
            if lowered.contains("date") { return "2025-01-15" }
            return .string("sample \(vocabulary[Int(generator.next() % UInt64(vocabulary.count))])")
        }
    }

    /// Splits tool arguments into the small fragments OpenAI streams them in (at least two).
    static func argumentFragments(_ arguments: String) -> [String] {
        let characters = Array(arguments)
        let size = max(1, min(6, characters.count / 2))
        return stride(from: 0, to: characters.count, by: size).map {
            String(characters[$0..<min($0 + size, characters.count)])
        }
    }
}
