import Hummingbird

/// `HTTPField` itself is not re-exported by Hummingbird, so the fake names it through
/// `HTTPFields.Element` instead of depending on swift-http-types.
typealias FieldName = HTTPFields.Element.Name

/// Header names the fake reads on every request, parsed once.
enum FakeHeaderNames {
    static let xAPIKey = FieldName("x-api-key")!
    static let apiKey = FieldName("api-key")!
    static let anthropicVersion = FieldName("anthropic-version")!
    static let googAPIKey = FieldName("x-goog-api-key")!
}

extension HTTPFields {
    /// Headers from `(name, value)` pairs; pairs with a name HTTP does not allow are skipped
    /// (they can only come from a test's `.status(headers:)`).
    init(pairs: [(String, String)]) {
        self.init()
        self.reserveCapacity(pairs.count)
        for (name, value) in pairs {
            if let fieldName = FieldName(name) {
                self.append(HTTPFields.Element(name: fieldName, value: value))
            }
        }
    }
}

extension Response {
    /// A complete (non-streamed) answer with a known length.
    static func document(status: Int, contentType: String, headers: [(String, String)], body: String) -> Response {
        var fields = HTTPFields(pairs: headers)
        fields[.contentType] = contentType
        return Response(
            status: HTTPResponse.Status(code: status),
            headers: fields,
            body: ResponseBody(byteBuffer: ByteBuffer(string: body))
        )
    }
}
