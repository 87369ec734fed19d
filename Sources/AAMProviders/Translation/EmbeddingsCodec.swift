import AAMCore

/// One input of an OpenAI embeddings request.
public enum EmbeddingsInput: Sendable, Equatable {
    /// A text to embed.
    case text(String)
    /// Pre-tokenized input (token ids).
    case tokens([Int])
}

/// A validated OpenAI `POST /v1/embeddings` request.
public struct EmbeddingsRequest: Sendable, Equatable {
    /// The requested model (an alias at the gateway's front door).
    public var model: String
    /// The inputs, in order; `input` as a single string or token list becomes one element.
    public var inputs: [EmbeddingsInput]
    /// Requested output dimensions, when given.
    public var dimensions: Int?
    /// `float` (default) or `base64`.
    public var encodingFormat: String
    /// End-user id, when given.
    public var user: String?

    /// Rough prompt size for admission control: ~4 bytes per token for text, exact for token ids.
    public var estimatedPromptTokens: Int {
        inputs.reduce(0) { total, input in
            switch input {
            case .text(let text): total + PromptEstimator.tokens(forBytes: text.utf8.count)
            case .tokens(let ids): total + ids.count
            }
        }
    }
}

/// Reads, validates and rewrites OpenAI embeddings requests and responses.
public enum EmbeddingsCodec {
    /// OpenAI's per-request input limit.
    public static let maxInputs = 2048

    /// Parses and validates a request: `model` a non-empty string; `input` a non-empty string,
    /// an array of non-empty strings, an array of token ids, or an array of token-id arrays;
    /// `dimensions` positive; `encoding_format` `float` or `base64`.
    public static func parseRequest(_ body: [UInt8]) throws(TranslationError) -> EmbeddingsRequest {
        let request = try FieldReader.root(body, context: "request body")
        let model = try request.string("model")
        guard !model.isEmpty else { throw .field("model", "must not be empty") }
        guard let input = request.value("input") else { throw request.missing("input") }
        let inputs = try parseInputs(input)
        var dimensions: Int?
        if let value = try request.optionalInt("dimensions") {
            guard value > 0 else { throw .field("dimensions", "must be a positive integer") }
            dimensions = value
        }
        let format = try request.optionalString("encoding_format") ?? "float"
        guard format == "float" || format == "base64" else {
            throw .field("encoding_format", "expected 'float' or 'base64', got '\(format)'")
        }
        return EmbeddingsRequest(
            model: model, inputs: inputs, dimensions: dimensions, encodingFormat: format, user: try request.optionalString("user"))
    }

    private static func parseInputs(_ input: WireJSON) throws(TranslationError) -> [EmbeddingsInput] {
        if let text = input.stringValue {
            guard !text.isEmpty else { throw .field("input", "must not be an empty string") }
            return [.text(text)]
        }
        guard let list = input.arrayValue else {
            throw .field("input", "expected a string, an array of strings or an array of token ids, got \(input.typeName)")
        }
        guard !list.isEmpty else { throw .field("input", "must not be empty") }
        guard list.count <= maxInputs else { throw .field("input", "at most \(maxInputs) inputs per request") }
        if list.allSatisfy({ if case .number = $0 { true } else { false } }) {
            return [.tokens(try tokenIDs(list, path: "input"))]
        }
        var inputs: [EmbeddingsInput] = []
        for (i, element) in list.enumerated() {
            let path = "input[\(i)]"
            switch element {
            case .string(let text):
                guard !text.isEmpty else { throw .field(path, "must not be an empty string") }
                inputs.append(.text(text))
            case .array(let ids):
                guard !ids.isEmpty else { throw .field(path, "must not be empty") }
                inputs.append(.tokens(try tokenIDs(ids, path: path)))
            default:
                throw .field(path, "expected a string or an array of token ids, got \(element.typeName)")
            }
        }
        return inputs
    }

    private static func tokenIDs(_ list: [WireJSON], path: String) throws(TranslationError) -> [Int] {
        var ids: [Int] = []
        ids.reserveCapacity(list.count)
        for (i, element) in list.enumerated() {
            guard let id = element.intValue, id >= 0 else {
                throw .field("\(path)[\(i)]", "expected a non-negative integer token id, got \(element.typeName)")
            }
            ids.append(id)
        }
        return ids
    }

    /// The same request with `model` replaced, for sending upstream.
    public static func replacingModel(in body: [UInt8], with upstreamModel: String) throws(TranslationError) -> [UInt8] {
        var request = try FieldReader.root(body, context: "request body").object
        request["model"] = .string(upstreamModel)
        return WireJSON.object(request).serialized()
    }

    /// Usage of an embeddings response (`prompt_tokens`); nil when absent or unreadable.
    public static func usage(fromResponse body: [UInt8]) -> TokenUsage? {
        ResponseTranslator.usage(fromOpenAIResponse: body)
    }

    /// The same response with `model` replaced by the alias the client asked for.
    public static func replacingResponseModel(in body: [UInt8], with responseModel: String) throws(TranslationError) -> [UInt8] {
        var response = try FieldReader.root(body, context: "response body").object
        response["model"] = .string(responseModel)
        return WireJSON.object(response).serialized()
    }
}
