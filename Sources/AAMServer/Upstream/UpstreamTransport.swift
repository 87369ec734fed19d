import AAMCore
import NIOCore

/// One HTTP request to a vendor, already translated to its wire protocol.
public struct UpstreamRequest: Sendable {
    public var url: String
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// Whether the client asked for a stream (the simulated vendor paces chunks accordingly).
    public var stream: Bool
    public var timeoutMs: Int
}

/// A vendor's answer: status and headers first, the body as it arrives.
public struct UpstreamResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: UpstreamBody

    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name }?.1
    }
}

/// The body of an upstream response, read chunk by chunk.
///
/// `@unchecked Sendable` because it wraps a non-Sendable async iterator. That is safe under this
/// type's contract: exactly one task reads it at a time, and ownership moves once, from the
/// handler that peeks at the first chunks to the response writer that streams the rest.
public final class UpstreamBody: @unchecked Sendable {
    private let nextChunk: () async throws -> ByteBuffer?

    public init<Body: AsyncSequence>(_ body: Body) where Body.Element == ByteBuffer {
        var iterator = body.makeAsyncIterator()
        self.nextChunk = { try await iterator.next() }
    }

    /// The next chunk, or nil at the end.
    public func next() async throws -> ByteBuffer? { try await nextChunk() }

    /// Collects the whole body, refusing more than `limit` bytes.
    public func collect(limit: Int) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        while let chunk = try await next() {
            guard bytes.count + chunk.readableBytes <= limit else { throw UpstreamFailure.bodyTooLarge }
            bytes.append(contentsOf: chunk.readableBytesView)
        }
        return bytes
    }
}

/// Why an upstream attempt produced no HTTP answer.
public enum UpstreamFailure: Error, Sendable, Equatable {
    case connect(String)
    case timeout
    case bodyTooLarge
    case credentialUnavailable(String)
    case invalidURL(String)
    /// The upstream answered with this 3xx; redirects are never followed (`OutboundHTTP`).
    case redirect(Int)

    var errorClass: ErrorCode {
        switch self {
        case .connect: .connectionError
        case .timeout: .timeout
        case .bodyTooLarge: .upstreamBodyTooLarge
        case .credentialUnavailable: .credentialUnavailable
        case .invalidURL: .invalidUpstreamURL
        case .redirect: .upstreamRedirect
        }
    }
}

/// Sends translated requests to a provider. The credential is opened by the caller for this
/// request only and travels as a `SecretValue` until the header is written.
public protocol UpstreamTransport: Sendable {
    func send(_ request: UpstreamRequest, provider: ProviderConfig, credential: SecretValue?) async throws -> UpstreamResponse
}
