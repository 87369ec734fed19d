/// Pieces both request translators (OpenAI chat -> Gemini, Anthropic Messages -> Gemini) build
/// a `GenerateContentRequest` from.
struct GeminiRequestBuilder {
    private(set) var systemTexts: [String] = []
    private(set) var contents: [WireJSONObject] = []
    /// Tool-call id -> function name: a function result names its function, which OpenAI's
    /// `tool` message and Anthropic's `tool_result` only give by the call's id.
    private var functionNames: [String: String] = [:]
    var generationConfig = WireJSONObject()
    var tools: [WireJSON] = []
    var toolConfig: WireJSON?

    mutating func addSystem(_ text: String) {
        systemTexts.append(text)
    }

    /// Appends parts to the conversation; consecutive parts of one role join one turn (Gemini
    /// wants all results of a parallel function call in one turn, and turns that alternate).
    mutating func append(role: String, _ parts: [WireJSON]) {
        guard !parts.isEmpty else { return }
        if let last = contents.last, last["role"]?.stringValue == role, let previous = last["parts"]?.arrayValue {
            contents[contents.count - 1]["parts"] = .array(previous + parts)
        } else {
            contents.append(["role": .string(role), "parts": .array(parts)])
        }
    }

    /// A model function call, remembered by `id` for the result that answers it.
    mutating func functionCall(id: String, name: String, arguments: WireJSON) -> WireJSON {
        functionNames[id] = name
        var part: WireJSONObject = ["functionCall": ["name": .string(name), "args": arguments]]
        if let signature = GeminiResponse.thoughtSignature(inCallID: id) { part["thoughtSignature"] = .string(signature) }
        return .object(part)
    }

    /// The result of call `id`; `result` is the tool's output (an object as is, anything else
    /// as `{"content": …}`: Gemini's `response` must be an object).
    func functionResponse(id: String, result: WireJSON, path: String) throws(TranslationError) -> WireJSON {
        guard let name = functionNames[id] else {
            throw .field(path, "no earlier tool call has the id '\(id)' (a Gemini upstream needs the function's name)")
        }
        let response: WireJSON = result.objectValue != nil ? result : ["content": result]
        return ["functionResponse": ["name": .string(name), "response": response]]
    }

    /// OpenAI `reasoning_effort` -> Gemini `thinkingBudget` tokens: the budgets of Google's
    /// own OpenAI compatibility layer (https://ai.google.dev/gemini-api/docs/openai, "none"
    /// turns thinking off); `minimal` takes `low`'s budget. Gemini 2.5 and 3 both take a budget.
    static let thinkingBudgets: [String: Int] = ["none": 0, "minimal": 1024, "low": 1024, "medium": 8192, "high": 24576]

    /// A tool's text output as JSON: the object it encodes, else the text.
    static func toolOutput(_ text: String) -> WireJSON {
        if let parsed = try? WireJSON.parse(text), parsed.objectValue != nil { return parsed }
        return .string(text)
    }

    /// A `data:` URL -> `inlineData`; Gemini cannot fetch other URLs itself.
    static func inlineImage(dataURL url: String, path: String) throws(TranslationError) -> WireJSON {
        guard url.hasPrefix("data:"), let comma = url.firstIndex(of: ","), url[..<comma].hasSuffix(";base64") else {
            throw .field(path, "only base64 data: URLs can be sent to a Gemini upstream")
        }
        let mime = url[url.index(url.startIndex, offsetBy: 5)..<comma].dropLast(";base64".count)
        return ["inlineData": ["mimeType": .string(String(mime)), "data": .string(String(url[url.index(after: comma)...]))]]
    }

    /// A function declaration; the schema goes in `parametersJsonSchema`, which takes JSON
    /// Schema as clients write it (`additionalProperties`, `$defs`), unlike `parameters`.
    static func declaration(name: String, description: String?, schema: WireJSONObject?) -> WireJSON {
        var function: WireJSONObject = ["name": .string(name)]
        if let description { function["description"] = .string(description) }
        if let schema { function["parametersJsonSchema"] = .object(schema) }
        return .object(function)
    }

    /// `toolConfig.functionCallingConfig` for a mode (`AUTO`, `ANY`, `NONE`) and an optional
    /// single allowed function.
    static func toolConfig(mode: String, only name: String? = nil) -> WireJSON {
        var config: WireJSONObject = ["mode": .string(mode)]
        if let name { config["allowedFunctionNames"] = [.string(name)] }
        return ["functionCallingConfig": .object(config)]
    }

    func body() throws(TranslationError) -> [UInt8] {
        guard !contents.isEmpty else { throw .field("messages", "must contain at least one user or assistant message") }
        var out = WireJSONObject()
        if !systemTexts.isEmpty {
            out["systemInstruction"] = ["parts": .array(systemTexts.map { ["text": .string($0)] })]
        }
        out["contents"] = .array(contents.map { .object($0) })
        if !tools.isEmpty { out["tools"] = [["functionDeclarations": .array(tools)]] }
        if let toolConfig { out["toolConfig"] = toolConfig }
        if !generationConfig.isEmpty { out["generationConfig"] = .object(generationConfig) }
        return WireJSON.object(out).serialized()
    }
}
