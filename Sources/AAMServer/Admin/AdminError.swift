import AAMCore

/// A refused admin operation: status plus a message naming the field.
public struct AdminError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    public var message: String
    public var field: String?
    public var code: ErrorCode

    public init(status: Int = 400, _ message: String, field: String? = nil, code: ErrorCode = .invalidRequest) {
        self.status = status
        self.message = message
        self.field = field
        self.code = code
    }

    public static func notFound(_ what: String) -> AdminError {
        AdminError(status: 404, "\(what) not found", code: .notFound)
    }

    public static func conflict(_ message: String) -> AdminError {
        AdminError(status: 409, message, code: .conflict)
    }

    public var description: String { field.map { "\($0): \(message)" } ?? message }

    var gatewayError: GatewayError {
        GatewayError(
            status: status, type: status == 401 ? .authenticationError : .invalidRequestError, code: code,
            message: description, param: field)
    }
}
