import AAMCore
import AAMProviders

/// What the data path needs to know about an inbound chat or messages request, read by
/// scanning the body once (no full decode): validity, the alias, and whether to stream.
struct InboundRequest: Sendable {
    let body: [UInt8]
    let scan: JSONObjectScanner
    let alias: String
    let stream: Bool
    /// OpenAI: `stream_options.include_usage` was true.
    let clientRequestedUsage: Bool
    /// `max_completion_tokens`, else `max_tokens` (validated: `0...RequestBounds.maxOutputTokens`).
    let maxOutputTokens: Int?
    /// OpenAI `n`: how many choices the model writes, each up to the output cap (1 when absent;
    /// validated: `1...RequestBounds.maxChoices`).
    let choices: Int

    init(body: [UInt8], wire: WireProtocol) throws(GatewayError) {
        (scan, alias) = try RequestPreamble.read(body)
        self.body = body
        switch scan.bool("stream", in: body) {
        case .value(let value): stream = value
        case .absent: stream = false
        case .wrongType: throw .invalidRequest("Invalid type for 'stream': expected a boolean.", param: "stream", code: .invalidType)
        }
        let messagesKind = scan.member("messages")?.kind
        guard messagesKind != nil else {
            throw .invalidRequest("Missing required parameter: 'messages'.", param: "messages", code: .missingRequiredParameter)
        }
        guard messagesKind == .array else {
            throw .invalidRequest("Invalid type for 'messages': expected an array.", param: "messages", code: .invalidType)
        }
        maxOutputTokens = try RequestBounds.outputCap(scan, body: body, required: wire == .anthropicMessages)
        choices = wire == .openAIChat ? try RequestBounds.choices(scan, body: body) : 1
        var usage = false
        if wire == .openAIChat, let options = scan.rawValue("stream_options", in: body), scan.member("stream_options")?.kind == .object {
            let optionBytes = Array(options)
            if let inner = try? JSONObjectScanner(optionBytes), case .value(true) = inner.bool("include_usage", in: optionBytes) {
                usage = true
            }
        }
        clientRequestedUsage = usage
    }
}

/// An inbound `POST /v1/embeddings` request (OpenAI shape).
struct InboundEmbeddingsRequest: Sendable {
    let body: [UInt8]
    let scan: JSONObjectScanner
    let alias: String

    init(body: [UInt8]) throws(GatewayError) {
        (scan, alias) = try RequestPreamble.read(body)
        self.body = body
        guard let input = scan.member("input") else {
            throw .invalidRequest("Missing required parameter: 'input'.", param: "input", code: .missingRequiredParameter)
        }
        guard input.kind == .string || input.kind == .array else {
            throw .invalidRequest("Invalid type for 'input': expected a string or an array.", param: "input", code: .invalidType)
        }
    }
}

/// What every inbound JSON request starts with: a valid object (or 400 `invalid_json`) and a
/// non-empty string `model` (the alias), read without decoding the rest.
enum RequestPreamble {
    static func read(_ body: [UInt8]) throws(GatewayError) -> (JSONObjectScanner, String) {
        let scan: JSONObjectScanner
        do {
            scan = try JSONObjectScanner(body)
        } catch {
            throw .invalidRequest("Request body is not valid JSON: \(error.description).", code: .invalidJSON)
        }
        try DecidedFields.requireExactSpelling(scan)
        switch scan.string("model", in: body) {
        case .value(let model) where model.utf8.count > RequestBounds.maxModelBytes:
            throw .invalidRequest(
                "Invalid 'model': string too long. Expected a string with maximum length \(RequestBounds.maxModelBytes) bytes.",
                param: "model", code: .stringAboveMaxLength)
        case .value(let model) where !model.isEmpty: return (scan, model)
        case .value, .absent: throw .invalidRequest("Missing required parameter: 'model'.", param: "model", code: .missingRequiredParameter)
        case .wrongType: throw .invalidRequest("Invalid type for 'model': expected a string.", param: "model", code: .invalidType)
        }
    }
}

/// Bounds on what a client may ask for, checked before anything is recorded, estimated or
/// forwarded: the alias is recorded, shown and exported (call records, the console, SIEM,
/// metrics), and the output cap feeds the budget and rate-limit arithmetic.
enum RequestBounds {
    /// Longest `model` (alias) accepted, in UTF-8 bytes; longer is a 400 naming `model`.
    static let maxModelBytes = 256
    /// Largest `max_tokens` / `max_completion_tokens` accepted (10⁸, far above any model's
    /// output limit); larger is a 400 naming the field, never an estimate near `Int.max`.
    static let maxOutputTokens = 100_000_000
    /// Largest OpenAI `n` accepted (OpenAI's own limit).
    static let maxChoices = 128

    /// OpenAI `n`: an integer in `1...maxChoices` (400 naming `n` otherwise), 1 when absent.
    /// Budgets and TPM reserve the output cap once per choice.
    static func choices(_ scan: JSONObjectScanner, body: [UInt8]) throws(GatewayError) -> Int {
        switch scan.integer("n", in: body) {
        case .absent: return 1
        case .value(let value) where (1...maxChoices).contains(value): return value
        case .value(let value) where value > maxChoices:
            throw .invalidRequest(
                "Invalid 'n': integer above maximum value. Expected a value <= \(maxChoices), but got \(value) instead.",
                param: "n", code: .integerAboveMaxValue)
        case .value:
            throw .invalidRequest("Invalid 'n': integer below minimum value. Expected a value >= 1, but got 0 instead.", param: "n", code: .integerBelowMinValue)
        case .wrongType:
            throw .invalidRequest("Invalid type for 'n': expected a positive integer.", param: "n", code: .invalidType)
        }
    }

    /// The request's output cap: `max_completion_tokens`, else `max_tokens`; each one present
    /// must be an integer in `0...maxOutputTokens` (400 `invalid_request_error` naming it).
    static func outputCap(_ scan: JSONObjectScanner, body: [UInt8], required: Bool) throws(GatewayError) -> Int? {
        var cap: Int?
        for name in ["max_completion_tokens", "max_tokens"] {
            switch scan.integer(name, in: body) {
            case .value(let value) where value > maxOutputTokens:
                throw .invalidRequest(
                    "Invalid '\(name)': integer above maximum value. Expected a value <= \(maxOutputTokens), but got \(value) instead.",
                    param: name, code: .integerAboveMaxValue)
            case .value(let value): cap = cap ?? value
            case .absent: continue
            case .wrongType:
                throw .invalidRequest("Invalid type for '\(name)': expected a non-negative integer.", param: name, code: .invalidType)
            }
        }
        if required, scan.member("max_tokens") == nil || scan.member("max_tokens")?.kind == .null {
            throw .invalidRequest("max_tokens: Field required", param: "max_tokens", code: .missingRequiredParameter)
        }
        return cap
    }
}

/// The top-level fields the gateway decides on must be spelled exactly.
///
/// Why: the gateway reads `max_tokens`, `stream`, `n`… by their exact key, but Go's
/// encoding/json (and servers built on it) match fields case-insensitively with Unicode folding,
/// so a body with only `"MAX_TOKENS"` or `"ſtream"` would be judged without a cap or as plain
/// while the vendor writes a long answer or a stream. The duplicate-key rule cannot see this
/// (there is no second key), so a variant spelling of a decided field is refused outright.
enum DecidedFields {
    static let names: Set<String> = [
        "model", "messages", "system", "stream", "stream_options", "max_tokens", "max_completion_tokens", "n", "tools",
        "tool_choice", "input",
    ]

    static func requireExactSpelling(_ scan: JSONObjectScanner) throws(GatewayError) {
        for member in scan.members where !names.contains(member.key) {
            let folded = JSONKeyRule.fold(member.key)
            guard names.contains(folded) else { continue }
            throw .invalidRequest(
                "Unrecognized request argument \(JSONKeyRule.display(member.key)): did you mean '\(folded)'? (fields are case-sensitive)",
                param: folded, code: .invalidRequestArgument)
        }
    }
}
