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

    init(body: [UInt8], wire: WireProtocol) throws(GatewayError) {
        (scan, alias) = try RequestPreamble.read(body)
        self.body = body
        switch scan.bool("stream", in: body) {
        case .value(let value): stream = value
        case .absent: stream = false
        case .wrongType: throw .invalidRequest("Invalid type for 'stream': expected a boolean.", param: "stream", code: "invalid_type")
        }
        let messagesKind = scan.member("messages")?.kind
        guard messagesKind != nil else {
            throw .invalidRequest("Missing required parameter: 'messages'.", param: "messages", code: "missing_required_parameter")
        }
        guard messagesKind == .array else {
            throw .invalidRequest("Invalid type for 'messages': expected an array.", param: "messages", code: "invalid_type")
        }
        if wire == .anthropicMessages {
            switch scan.integer("max_tokens", in: body) {
            case .value: break
            case .absent: throw .invalidRequest("max_tokens: Field required", param: "max_tokens", code: "missing_required_parameter")
            case .wrongType: throw .invalidRequest("max_tokens: Input should be a valid integer", param: "max_tokens", code: "invalid_type")
            }
        }
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
            throw .invalidRequest("Missing required parameter: 'input'.", param: "input", code: "missing_required_parameter")
        }
        guard input.kind == .string || input.kind == .array else {
            throw .invalidRequest("Invalid type for 'input': expected a string or an array.", param: "input", code: "invalid_type")
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
            throw .invalidRequest("Request body is not valid JSON: \(error.description).", code: "invalid_json")
        }
        switch scan.string("model", in: body) {
        case .value(let model) where !model.isEmpty: return (scan, model)
        case .value, .absent: throw .invalidRequest("Missing required parameter: 'model'.", param: "model", code: "missing_required_parameter")
        case .wrongType: throw .invalidRequest("Invalid type for 'model': expected a string.", param: "model", code: "invalid_type")
        }
    }
}
