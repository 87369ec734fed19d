import AAMCore
import AAMTesting
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import AAMServer

/// Every model-call endpoint goes through `ModelCallPipeline`, so a call whose handler is
/// cancelled while the vendor is still thinking is recorded the same way for each: a 499
/// cancellation, never a 500 `internal_error` (the drift issue 15 found in embeddings).
///
/// Hummingbird does not cancel a plain answer's handler when its client leaves, so the handler
/// is driven directly here and its task cancelled, as a server shutdown would.
@Suite("Pipeline: a cancelled call is a cancellation on every endpoint", .serialized)
struct PipelineCancellationTests {
    struct Case: CustomStringConvertible, Sendable {
        var path: String
        var upstreamPath: String
        var body: String
        var description: String { path }
    }

    static let cases = [
        Case(path: "/v1/embeddings", upstreamPath: "/v1/embeddings", body: #"{"model":"m","input":"hello"}"#),
        Case(path: "/v1/chat/completions", upstreamPath: "/v1/chat/completions", body: #"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#),
        Case(path: "/v1/messages", upstreamPath: "/v1/chat/completions", body: #"{"model":"m","max_tokens":16,"messages":[{"role":"user","content":"hi"}]}"#),
    ]

    static func endpointResponse(_ path: String, runtime: GatewayRuntime, request: Request, context: GatewayContext) async -> Response {
        switch path {
        case "/v1/embeddings": await EmbeddingsEndpoint(runtime: runtime).handle(request, context: context)
        case "/v1/messages": await ChatEndpoint(runtime: runtime, wire: .anthropicMessages).handle(request, context: context)
        default: await ChatEndpoint(runtime: runtime, wire: .openAIChat).handle(request, context: context)
        }
    }

    @Test(arguments: cases)
    func aCancelledCallIsRecordedAsACancellation(_ testCase: Case) async throws {
        try await withFakeUpstreams(count: 1, apiKey: BadInputUpstreamTests.upstreamKey) { fakes in
            try await withGateway { g in
                try await g.addProvider("vendor", protocol: "openai", baseURL: fakes[0].baseURL, credential: BadInputUpstreamTests.upstreamKey)
                try await g.addDeployment(alias: "m", provider: "vendor", model: "gpt-4o-mini", id: "m-vendor")
                let key = try await g.issueKey().secret
                // The vendor accepts the request and never answers.
                await fakes[0].enqueue(.hang, path: testCase.upstreamPath)
                let runtime = g.gateway.runtime
                let subscription = runtime.bus.subscribe()
                defer { subscription.cancel() }

                let channel = EmbeddedChannel()
                let context = GatewayContext(source: .init(channel: channel, logger: Logger(label: "pipeline-cancellation-test")))
                var head = HTTPRequest(method: .post, scheme: "http", authority: "127.0.0.1", path: testCase.path)
                head.headerFields[.authorization] = "Bearer \(key)"
                head.headerFields[.contentType] = "application/json"
                let request = Request(head: head, body: .init(buffer: ByteBuffer(string: testCase.body)))
                let call = Task { await Self.endpointResponse(testCase.path, runtime: runtime, request: request, context: context) }

                #expect(await fakes[0].waitForRequests(count: 1, path: testCase.upstreamPath), "the call reached the vendor")
                call.cancel()
                _ = await call.value

                let record = try await GatewayHarness.record(context.requestID, on: subscription, timeout: .seconds(30))
                #expect(record.outcome == .cancelled)
                #expect(record.status == 499)
                #expect(record.errorCode == .clientCancelled)
                #expect(record.attempts.count == 1)
                #expect(record.attempts.first?.errorCode == .clientCancelled)
                #expect(record.attempts.first?.deployment == "m-vendor")
                _ = try? await channel.close()
            }
        }
    }
}
