import AAMTesting
import Foundation
import Testing

/// The Azure OpenAI dialect of the fake.
@Suite("FakeUpstream: Azure OpenAI", .timeLimit(.minutes(1)))
struct FakeUpstreamAzureTests {
    typealias Support = FakeUpstreamTestSupport
    static let path = "/openai/deployments/my-gpt4o/chat/completions"

    @Test("api-key auth, api-version required, deployment as model")
    func chat() async throws {
        try await Support.withFake { fake in
            let auth = [("api-key", Support.key)]
            let noVersion = try await Support.send(fake, Self.path, headers: auth, json: Support.openAIChat())
            #expect(noVersion.status == 404)
            #expect(noVersion.body == #"{"error":{"code":"404","message":"Resource not found"}}"#)

            let badKey = try await Support.send(fake, Self.path + "?api-version=2024-10-21", headers: [("api-key", "x")], json: Support.openAIChat())
            #expect(badKey.status == 401)

            let plain = try await Support.send(fake, Self.path + "?api-version=2024-10-21", headers: auth, json: Support.openAIChat())
            #expect(plain.status == 200)
            let json = try plain.json()
            #expect(json["model"] as? String == "my-gpt4o")
            #expect(json["prompt_filter_results"] != nil)
            #expect(plain.header("apim-request-id") != nil)
        }
    }

    @Test("stream opens with Azure's empty-choices prompt filter chunk and ends with [DONE]")
    func stream() async throws {
        try await Support.withFake { fake in
            let reply = try await Support.send(
                fake, Self.path + "?api-version=2024-10-21", headers: [("api-key", Support.key)],
                json: Support.openAIChat(stream: true, includeUsage: true)
            )
            let payloads = Support.dataLines(reply.body)
            #expect(payloads.last == "[DONE]")
            let first = try Support.object(try #require(payloads.first))
            #expect((first["choices"] as? [Any])?.isEmpty == true)
            #expect(first["prompt_filter_results"] != nil)
            let chunks = try payloads.dropFirst().dropLast().map(Support.object)
            let text = chunks.compactMap {
                (($0["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any])?["content"] as? String
            }.joined()
            #expect(text == "Hello from fake-azure deployment my-gpt4o: Say hi")
            #expect((chunks.last?["usage"] as? [String: Any])?["total_tokens"] as? Int == 11)
        }
    }
}
