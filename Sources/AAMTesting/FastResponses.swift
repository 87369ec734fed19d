import Foundation
import Hummingbird
import NIOCore

/// Precomputed answers for ``FakeUpstreamMode/fast``: the per-request work is a key compare,
/// a byte scan for `"stream":true` and writing buffers that already exist.
struct FastResponses: Sendable {
    /// A ready-to-send head and body.
    struct Prepared: Sendable {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var body: ByteBuffer
    }

    static let model = "fake-fast-model"
    static let text = "Hello from the fake upstream in fast mode."

    let openAIPlain: Prepared
    let openAIStream: Prepared
    let openAIStreamWithUsage: Prepared
    let anthropicPlain: Prepared
    let anthropicStream: Prepared
    let openAIUnauthorized: Prepared
    let anthropicUnauthorized: Prepared
    /// `"Bearer KEY"`, compared as a whole so no string is built per request.
    let expectedAuthorization: String

    init(apiKey: String) {
        expectedAuthorization = "Bearer " + apiKey
        let reply = FakeReply(
            textPieces: FakeReply.words(Self.text), toolCall: nil, finish: .stop,
            promptTokens: 12, completionTokens: FakeReply.words(Self.text).count
        )
        let openAIHeaders = OpenAIWire.successHeaders(sequence: 1, tokens: reply.totalTokens)
        let anthropicHeaders = AnthropicWire.successHeaders(
            sequence: 1, inputTokens: reply.promptTokens, outputTokens: reply.completionTokens, now: Date()
        )
        let chatID = "chatcmpl-fake" + FakeIDs.padded(1)
        openAIPlain = Self.document(openAIHeaders, OpenAIWire.completion(id: chatID, model: Self.model, reply: reply))
        openAIStream = Self.stream(openAIHeaders, OpenAIWire.streamEvents(id: chatID, model: Self.model, reply: reply, includeUsage: false))
        openAIStreamWithUsage = Self.stream(openAIHeaders, OpenAIWire.streamEvents(id: chatID, model: Self.model, reply: reply, includeUsage: true))
        let messageID = AnthropicWire.messageID(1)
        anthropicPlain = Self.document(anthropicHeaders, AnthropicWire.message(id: messageID, model: Self.model, reply: reply))
        anthropicStream = Self.stream(anthropicHeaders, AnthropicWire.streamEvents(id: messageID, model: Self.model, reply: reply))
        let openAIError = OpenAIWire.error(.invalidAPIKey, presentedKey: nil, model: nil)
        openAIUnauthorized = Self.document(openAIError.headers, openAIError.body, status: 401)
        let anthropicError = AnthropicWire.error(.invalidAPIKey, now: Date())
        anthropicUnauthorized = Self.document(anthropicError.headers, anthropicError.body, status: 401)
    }

    private static func document(_ headers: [(String, String)], _ body: String, status: Int = 200) -> Prepared {
        var fields = HTTPFields(pairs: headers)
        fields[.contentType] = "application/json"
        let buffer = ByteBuffer(string: body)
        fields[.contentLength] = String(buffer.readableBytes)
        return Prepared(status: HTTPResponse.Status(code: status), headers: fields, body: buffer)
    }

    private static func stream(_ headers: [(String, String)], _ events: [String]) -> Prepared {
        var fields = HTTPFields(pairs: headers)
        fields[.contentType] = "text/event-stream; charset=utf-8"
        fields[.cacheControl] = "no-cache"
        return Prepared(status: .ok, headers: fields, body: ByteBuffer(string: events.joined()))
    }

    /// Answers a chat request; `route` is `.openAIChat` or `.anthropicMessages`.
    func answer(route: FakeRoute, request: Request, apiKey: String) async throws -> Response {
        var request = request
        let body = try await request.collectBody(upTo: FakeUpstreamResponder.maxBodyBytes)
        let prepared: Prepared
        if route == .anthropicMessages {
            if request.headers[FakeHeaderNames.xAPIKey] != apiKey {
                prepared = anthropicUnauthorized
            } else {
                prepared = Self.flag("stream", in: body) ? anthropicStream : anthropicPlain
            }
        } else if request.headers[.authorization] != expectedAuthorization {
            prepared = openAIUnauthorized
        } else if Self.flag("stream", in: body) {
            prepared = Self.flag("include_usage", in: body) ? openAIStreamWithUsage : openAIStream
        } else {
            prepared = openAIPlain
        }
        if prepared.headers[.contentLength] != nil {
            return Response(status: prepared.status, headers: prepared.headers, body: ResponseBody(byteBuffer: prepared.body))
        }
        // Streams go out chunked like the vendors' (no content-length), in a single write.
        let buffer = prepared.body
        return Response(status: prepared.status, headers: prepared.headers, body: ResponseBody { writer in
            try await writer.write(buffer)
            try await writer.finish(nil)
        })
    }

    /// Whether the JSON text contains `"KEY"` followed by optional whitespace, `:`, optional
    /// whitespace and `true`; a byte scan instead of a JSON parse.
    static func flag(_ key: StaticString, in buffer: ByteBuffer) -> Bool {
        buffer.withUnsafeReadableBytes { bytes in
            key.withUTF8Buffer { keyBytes in
                let count = bytes.count
                let keyCount = keyBytes.count
                var index = 0
                while index + keyCount + 2 <= count {
                    if bytes[index] == UInt8(ascii: "\""), bytes[index + keyCount + 1] == UInt8(ascii: "\""),
                        (0..<keyCount).allSatisfy({ bytes[index + 1 + $0] == keyBytes[$0] })
                    {
                        var cursor = index + keyCount + 2
                        func skipSpace() {
                            while cursor < count, bytes[cursor] == 0x20 || bytes[cursor] == 0x09 || bytes[cursor] == 0x0A || bytes[cursor] == 0x0D {
                                cursor += 1
                            }
                        }
                        skipSpace()
                        if cursor < count, bytes[cursor] == UInt8(ascii: ":") {
                            cursor += 1
                            skipSpace()
                            if cursor + 4 <= count, bytes[cursor] == UInt8(ascii: "t"), bytes[cursor + 1] == UInt8(ascii: "r"),
                                bytes[cursor + 2] == UInt8(ascii: "u"), bytes[cursor + 3] == UInt8(ascii: "e")
                            {
                                return true
                            }
                        }
                    }
                    index += 1
                }
                return false
            }
        }
    }
}
