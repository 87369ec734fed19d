import AAMCore
import AAMProviders
import Foundation
import NIOCore

/// The built-in simulated vendor, served in process (no sockets): speaks the OpenAI wire format
/// with the provider's configured time to first token, token rate, token counts and error rate.
/// Used by `aam demo` and load tests; deterministic for a given request body.
public final class SimulatedTransport: UpstreamTransport {
    let random: any RandomSource

    public init(random: any RandomSource = SystemRandomSource()) { self.random = random }

    public func send(_ request: UpstreamRequest, provider: ProviderConfig, credential: SecretValue?) async throws -> UpstreamResponse {
        do {
            return try await respond(request, provider: provider)
        } catch let rejection as SimulatedRejection {
            let body = ErrorShape.openAI.body(for: .invalidRequest(rejection.message))
            return UpstreamResponse(status: 400, headers: [("content-type", "application/json")], body: UpstreamBody(OneShot(bytes: body)))
        }
    }

    func respond(_ request: UpstreamRequest, provider: ProviderConfig) async throws -> UpstreamResponse {
        let settings = provider.simulation ?? SimulationSettings()
        let model = Self.model(in: request.body)
        let vendor = SimulatedVendor(
            profile: SimulationProfile(
                ttftMs: settings.ttftMs, tokensPerSecond: settings.tokensPerSecond,
                completionTokens: settings.completionTokens, errorRate: settings.errorRate),
            model: model)
        let headers = [("content-type", request.stream ? "text/event-stream" : "application/json"), ("x-request-id", "sim-" + Identifiers.random(12))]
        if settings.errorRate > 0, random.nextUnit() < settings.errorRate {
            try await Task.sleep(for: .milliseconds(settings.ttftMs))
            let status = random.nextUnit() < 0.5 ? 500 : 503
            return UpstreamResponse(
                status: status, headers: [("content-type", "application/json")],
                body: UpstreamBody(OneShot(bytes: vendor.errorBody(status: status))))
        }
        let requestID = "chatcmpl-sim" + Identifiers.random(20)
        let created = Int(Date().timeIntervalSince1970)
        if request.url.hasSuffix("/embeddings") {
            let body = try Self.vendorCall { () throws(TranslationError) in try vendor.embeddings(request: request.body) }
            try await Task.sleep(for: .milliseconds(settings.ttftMs))
            return UpstreamResponse(status: 200, headers: headers, body: UpstreamBody(OneShot(bytes: body)))
        }
        if request.stream {
            let chunks = try Self.vendorCall { () throws(TranslationError) in
                try vendor.chatCompletionChunks(request: request.body, requestID: requestID, created: created)
            }
            let gap = Double(settings.completionTokens) / settings.tokensPerSecond / Double(max(1, chunks.count - 1))
            return UpstreamResponse(
                status: 200, headers: headers,
                body: UpstreamBody(PacedChunks(chunks: chunks, firstDelay: Double(settings.ttftMs) / 1000, gap: gap)))
        }
        let body = try Self.vendorCall { () throws(TranslationError) in
            try vendor.chatCompletion(request: request.body, requestID: requestID, created: created)
        }
        let total = Double(settings.ttftMs) / 1000 + Double(settings.completionTokens) / settings.tokensPerSecond
        try await Task.sleep(for: .seconds(total))
        return UpstreamResponse(status: 200, headers: headers, body: UpstreamBody(OneShot(bytes: body)))
    }

    /// A request the simulator cannot read answers 400 like a vendor would.
    static func vendorCall<T>(_ body: () throws(TranslationError) -> T) throws -> T {
        do { return try body() } catch { throw SimulatedRejection(message: error.message) }
    }

    static func model(in body: [UInt8]) -> String {
        guard let scan = try? JSONObjectScanner(body), case .value(let model) = scan.string("model", in: body) else { return "simulated" }
        return model
    }
}

struct SimulatedRejection: Error { let message: String }

/// A body delivered in one chunk.
struct OneShot: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let bytes: [UInt8]

    struct AsyncIterator: AsyncIteratorProtocol {
        var bytes: [UInt8]?
        mutating func next() async throws -> ByteBuffer? {
            defer { bytes = nil }
            return bytes.map { ByteBuffer(bytes: $0) }
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(bytes: bytes) }
}

/// SSE events released at the simulated token rate, on the reader's own task (no extra task).
struct PacedChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let chunks: [[UInt8]]
    let firstDelay: Double
    let gap: Double

    struct AsyncIterator: AsyncIteratorProtocol {
        let chunks: [[UInt8]]
        let firstDelay: Double
        let gap: Double
        var index = 0

        mutating func next() async throws -> ByteBuffer? {
            guard index < chunks.count else { return nil }
            let delay = index == 0 ? firstDelay : gap
            if delay > 0 { try await Task.sleep(for: .seconds(delay)) }
            defer { index += 1 }
            return ByteBuffer(bytes: chunks[index])
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(chunks: chunks, firstDelay: firstDelay, gap: gap) }
}
