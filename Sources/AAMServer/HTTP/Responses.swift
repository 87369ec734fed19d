import AAMCore
import HTTPTypes
import Hummingbird
import NIOCore

/// Response builders shared by the data plane and the admin API.
enum Responses {
    static let jsonContentType = "application/json"
    static let eventStreamContentType = "text/event-stream"

    static func json(_ bytes: [UInt8], status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = jsonContentType
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) -> Response {
        json(AdminJSON.encode(value), status: status)
    }

    static func error(_ error: GatewayError, shape: ErrorShape, requestID: String, extra: HTTPFields = [:]) -> Response {
        var fields = extra
        fields[requestIDField] = requestID
        if let retry = error.retryAfterSeconds { fields[.retryAfter] = String(retry) }
        return json(shape.body(for: error), status: .init(code: error.status), headers: fields)
    }

    static let requestIDField = HTTPField.Name("x-request-id")!
    static let providerField = HTTPField.Name("x-aam-provider")!
    static let deploymentField = HTTPField.Name("x-aam-deployment")!
}
