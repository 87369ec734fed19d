import Foundation

/// Deterministic embedding vectors: the same text always gets the same unit-length vector.
///
/// Seeded from an FNV-1a hash of the input so tests can compare vectors across calls and
/// providers without storing fixtures.
enum EmbeddingVectors {
    /// Dimensions used when the request does not ask for `dimensions`; small on purpose, the
    /// real 1536 would only slow tests down.
    static let defaultDimensions = 8

    static func vector(for text: String, dimensions: Int) -> [Float] {
        var state = fnv1a(text)
        var values: [Float] = []
        values.reserveCapacity(dimensions)
        for _ in 0..<dimensions {
            // xorshift64: cheap, deterministic, good enough spread for a fake.
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            values.append(Float(state % 2001) / 1000 - 1)
        }
        let norm = values.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return norm > 0 ? values.map { $0 / norm } : values
    }

    /// A JSON array of floats, or with `base64` the little-endian float32 bytes as OpenAI sends
    /// for `encoding_format: "base64"`.
    static func render(_ vector: [Float], base64: Bool) -> String {
        if base64 {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(vector.count * 4)
            for value in vector {
                withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
            }
            return JSONText.string(Data(bytes).base64EncodedString())
        }
        return "[" + vector.map { String($0) }.joined(separator: ",") + "]"
    }

    private static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash == 0 ? 1 : hash
    }
}

/// The `input` of an embeddings request: a string, a list of strings, or token arrays.
struct EmbeddingsRequestSummary: Sendable {
    var model: String?
    var inputs: [String]
    var dimensions: Int?
    var base64: Bool

    static func parse(_ body: [UInt8]) throws -> EmbeddingsRequestSummary {
        let request = try JSONDecoder().decode(Wire.self, from: Data(body))
        return EmbeddingsRequestSummary(
            model: request.model,
            inputs: request.input?.texts ?? [],
            dimensions: request.dimensions,
            base64: request.encoding_format == "base64"
        )
    }

    private struct Wire: Decodable {
        var model: String?
        var input: Input?
        var dimensions: Int?
        var encoding_format: String?
    }

    /// Decodes every accepted `input` shape into texts (token arrays become their numbers).
    private struct Input: Decodable {
        var texts: [String]

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let one = try? container.decode(String.self) {
                texts = [one]
            } else if let many = try? container.decode([String].self) {
                texts = many
            } else if let tokens = try? container.decode([Int].self) {
                texts = [tokens.map(String.init).joined(separator: " ")]
            } else if let batches = try? container.decode([[Int]].self) {
                texts = batches.map { $0.map(String.init).joined(separator: " ") }
            } else {
                texts = []
            }
        }
    }
}
