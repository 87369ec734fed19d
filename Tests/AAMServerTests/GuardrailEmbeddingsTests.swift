import AAMCore
import AAMTesting
import Foundation
import Testing

/// Texts sent for embedding leave for a vendor like any prompt: the request policy applies.
@Suite("Guardrails: embeddings", .serialized)
struct GuardrailEmbeddingsTests {
    @Test func embeddingInputsAreRedactedOrBlocked() async throws {
        try await GuardrailFixture.run { f in
            try await f.gateway.addDeployment(alias: "embed", provider: "oa", model: "text-embedding-3-small", id: "embed-oa")
            try await f.put("org:acme", #"{"request":{"email":"redact","api_key":"block"}}"#)
            let redacted = try await f.gateway.call(
                "/v1/embeddings", key: f.key, json: #"{"model":"embed","input":["plain text","mail \#(GuardrailFixture.email)"]}"#)
            #expect(redacted.status == 200, "\(redacted.text)")
            let sent = try #require(await f.received("/v1/embeddings").first)
            #expect(sent.contains("[EMAIL]"))
            #expect(!sent.contains(GuardrailFixture.email))

            let blocked = try await f.gateway.call(
                "/v1/embeddings", key: f.key, json: #"{"model":"embed","input":"key \#(GuardrailFixture.apiKey)"}"#)
            #expect(blocked.status == 400)
            #expect(try blocked.errorCode() == "guardrail_blocked")
            #expect(try blocked.errorMessage().contains("api_key"))
            #expect(!blocked.text.contains(GuardrailFixture.apiKey))
            #expect(await f.received("/v1/embeddings").count == 1, "the blocked input never left")
        }
    }
}
