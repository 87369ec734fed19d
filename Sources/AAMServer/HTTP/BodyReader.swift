import AAMCore
import Hummingbird
import NIOCore

/// Reads a request body up to the configured limit; more is a 413 in the caller's error shape.
enum BodyReader {
    static func read(_ request: Request, limit: Int) async throws -> [UInt8] {
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
            throw GatewayError.bodyTooLarge(limit: limit)
        }
        do {
            let buffer = try await request.body.collect(upTo: limit)
            return Array(buffer.readableBytesView)
        } catch is NIOTooManyBytesError {
            throw GatewayError.bodyTooLarge(limit: limit)
        }
    }
}
