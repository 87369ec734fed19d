import AAMCore
import Foundation

/// OpenAI `/v1/embeddings` <-> Gemini `batchEmbedContents`.
///
/// Request: each text input becomes one `EmbedContentRequest` (`model: models/{model}`,
/// `content.parts[0].text`, `outputDimensionality` from `dimensions`); token-id inputs are
/// refused (Gemini embeds text only). Answer: `embeddings[i].values` -> `data[i].embedding`
/// (base64 little-endian float32 when the client asked for `encoding_format: base64`).
/// Gemini reports no usage for embeddings, so the prompt tokens are the gateway's estimate
/// (~4 bytes per token), as for admission.
enum GeminiEmbeddings {
    static func requestBody(_ body: [UInt8], upstreamModel: String) throws(TranslationError) -> [UInt8] {
        let request = try EmbeddingsCodec.parseRequest(body)
        var requests: [WireJSON] = []
        for (index, input) in request.inputs.enumerated() {
            guard case .text(let text) = input else {
                throw .field(request.inputs.count == 1 ? "input" : "input[\(index)]", "token ids cannot be sent to a Gemini upstream (it embeds text)")
            }
            var item: WireJSONObject = ["model": .string("models/" + upstreamModel), "content": ["parts": [["text": .string(text)]]]]
            if let dimensions = request.dimensions { item["outputDimensionality"] = .int(dimensions) }
            requests.append(.object(item))
        }
        return WireJSON.object(["requests": .array(requests)]).serialized()
    }

    static func answer(_ body: [UInt8], request: [UInt8], responseModel: String) throws(TranslationError) -> (body: [UInt8], usage: TokenUsage?) {
        let parsed = try EmbeddingsCodec.parseRequest(request)
        let response = try FieldReader.root(body, context: "response body")
        let embeddings = try response.objects("embeddings", required: true)
        guard embeddings.count == parsed.inputs.count else {
            throw .field("embeddings", "expected \(parsed.inputs.count) embeddings, got \(embeddings.count)")
        }
        var data: [WireJSON] = []
        for (index, embedding) in embeddings.enumerated() {
            let values = try embedding.array("values")
            let vector: WireJSON = parsed.encodingFormat == "base64" ? .string(try base64(values, path: embedding.path("values"))) : .array(values)
            data.append(["object": "embedding", "index": .int(index), "embedding": vector])
        }
        let usage = TokenUsage(promptTokens: parsed.estimatedPromptTokens, completionTokens: 0)
        let answer: WireJSON = [
            "object": "list", "data": .array(data), "model": .string(responseModel),
            "usage": ["prompt_tokens": .int(usage.promptTokens), "total_tokens": .int(usage.promptTokens)],
        ]
        return (answer.serialized(), usage)
    }

    /// OpenAI's base64 form: the float32 values, little-endian, base64-encoded.
    private static func base64(_ values: [WireJSON], path: String) throws(TranslationError) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(values.count * 4)
        for (i, value) in values.enumerated() {
            guard let number = value.doubleValue else { throw .field("\(path)[\(i)]", "expected a number, got \(value.typeName)") }
            withUnsafeBytes(of: Float(number).bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
        }
        return Data(bytes).base64EncodedString()
    }
}
