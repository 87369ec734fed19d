/// A vendor failure the fake can be told to answer with.
///
/// The case names the meaning; the status code, body and headers are rendered in the dialect of
/// the route being served, because the vendors disagree on all three (an "overloaded" vendor is
/// Anthropic's `529 overloaded_error` but OpenAI's `503 server_error`).
///
/// | case                     | OpenAI                        | Azure OpenAI           | Anthropic                      |
/// |--------------------------|-------------------------------|------------------------|--------------------------------|
/// | `missingAPIKey`          | 401 `invalid_request_error`   | 401 `"code":"401"`     | 401 `authentication_error`     |
/// | `invalidAPIKey`          | 401 `invalid_api_key`         | 401 `"code":"401"`     | 401 `authentication_error`     |
/// | `rateLimited`            | 429 `rate_limit_exceeded`     | 429 `"code":"429"`     | 429 `rate_limit_error`         |
/// | `serverError`            | 500 `server_error`            | 500 `server_error`     | 500 `api_error`                |
/// | `overloaded`             | 503 `server_error`            | 503 `ServiceUnavailable` | 529 `overloaded_error`       |
/// | `contextLengthExceeded`  | 400 `context_length_exceeded` | 400 same as OpenAI     | 400 "prompt is too long: …"    |
/// | `badRequest(message:)`   | 400 `invalid_request_error`   | 400 same as OpenAI     | 400 `invalid_request_error`    |
/// | `notFound(message:)`     | 404 `invalid_request_error`   | 404 `"code":"404"`     | 404 `not_found_error`          |
public enum FakeVendorError: Sendable, Hashable {
    case missingAPIKey
    case invalidAPIKey
    /// 429 with `retry-after` (when given) and the vendor's rate-limit reset headers.
    case rateLimited(retryAfterSeconds: Int?)
    case serverError
    case overloaded
    case contextLengthExceeded
    case badRequest(message: String)
    case notFound(message: String)
}
