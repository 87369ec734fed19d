import AAMCore
import AAMTesting
import Foundation
import Testing

@testable import AAMServer

/// Embeddings go through the same steps as chat (issue 15 item 1, the drift it names): a
/// deployment's `rpm` is charged per attempt, an error a vendor answered names the provider and
/// deployment. (A cancelled handler is recorded as a cancellation as for chat:
/// `PipelineCancellationTests`, which drives the handlers directly because Hummingbird does not
/// cancel a plain answer's handler when its client leaves.)
@Suite("Embeddings: the steps chat takes", .serialized)
struct EmbeddingsPipelineTests {
    static let body = #"{"model":"embed","input":"hello there"}"#

    func withEmbeddings(_ body: (GatewayHarness, FakeUpstream, String) async throws -> Void) async throws {
        try await withFakeUpstreams(count: 1, apiKey: BadInputUpstreamTests.upstreamKey) { fakes in
            try await withGateway { g in
                try await g.addProvider("vendor-a", protocol: "openai", baseURL: fakes[0].baseURL, credential: BadInputUpstreamTests.upstreamKey)
                try await g.addDeployment(alias: "embed", provider: "vendor-a", model: "text-embedding-3-small", id: "embed-a")
                try await body(g, fakes[0], try await g.issueKey().secret)
            }
        }
    }

    @Test func aDeploymentAtItsRPMIsPassedOverForEmbeddingsToo() async throws {
        try await withEmbeddings { g, fake, key in
            try await g.adminOK(.PATCH, "/admin/deployments/embed-a", json: #"{"rpm":1}"#)
            let first = try await g.call("/v1/embeddings", key: key, json: Self.body)
            #expect(first.status == 200, "\(first.text)")
            let second = try await g.call("/v1/embeddings", key: key, json: Self.body)
            #expect(second.status == 503, "\(second.text)")
            #expect(second.text.contains("embed-a (rate_limited)"), "\(second.text)")
            #expect(await fake.requestCount(path: "/v1/embeddings") == 1, "the second call never reached the vendor")
        }
    }

    @Test func aVendorsRefusalNamesTheProviderAndDeployment() async throws {
        try await withEmbeddings { g, fake, key in
            await fake.enqueue(.status(400, body: #"{"error":{"message":"bad input","type":"invalid_request_error","code":null}}"#), path: "/v1/embeddings")
            let reply = try await g.call("/v1/embeddings", key: key, json: Self.body)
            #expect(reply.status == 400, "\(reply.text)")
            #expect(reply.header("x-aam-provider") == "vendor-a")
            #expect(reply.header("x-aam-deployment") == "embed-a")
        }
    }
}
