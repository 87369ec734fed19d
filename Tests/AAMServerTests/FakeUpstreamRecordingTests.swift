import AAMTesting
import Foundation
import Testing

/// Recording of received requests, and the benchmark mode that skips it.
@Suite("FakeUpstream: recording and fast mode", .timeLimit(.minutes(1)))
struct FakeUpstreamRecordingTests {
    typealias Support = FakeUpstreamTestSupport

    @Test("every request is recorded with method, path, query, headers and body")
    func recording() async throws {
        try await Support.withFake { fake in
            let chat = Support.openAIChat()
            _ = try await Support.send(fake, "/v1/chat/completions", headers: Support.openAIAuth + [("X-Trace", "abc")], json: chat)
            _ = try await Support.send(fake, "/openai/deployments/d1/chat/completions?api-version=2024-10-21", headers: [("api-key", Support.key)], json: chat)
            _ = try await Support.send(fake, "/v1/chat/completions", headers: [("authorization", "Bearer wrong")], json: chat)
            #expect(await fake.waitForRequests(count: 3))

            let all = await fake.receivedRequests()
            #expect(all.map(\.sequence) == [1, 2, 3])
            let first = try #require(all.first)
            #expect(first.method == "POST")
            #expect(first.path == "/v1/chat/completions")
            #expect(first.query == nil)
            #expect(first.header("x-trace") == "abc")
            #expect(first.headers.contains { $0.name == "X-Trace" })
            #expect(first.bodyText == chat)
            #expect(first.model == "gpt-4o-mini")

            let azure = all[1]
            #expect(azure.query == "api-version=2024-10-21")
            #expect(azure.queryItem("api-version") == "2024-10-21")
            #expect(azure.model == "d1")

            #expect(await fake.requestCount(path: "/v1/chat/completions") == 2)
            #expect(await fake.requestCount() == 3)
            #expect(await fake.receivedRequests(path: "/v1/chat/completions").count == 2)

            await fake.reset()
            #expect(await fake.requestCount() == 0)
        }
    }

    @Test("waitForRequests resumes when a later request arrives")
    func waitResumes() async throws {
        try await Support.withFake { fake in
            async let arrived = fake.waitForRequests(count: 1, path: "/v1/embeddings")
            _ = try await Support.send(fake, "/v1/embeddings", headers: Support.openAIAuth, json: #"{"model":"m","input":"x"}"#)
            #expect(await arrived)
        }
    }

    @Test("fast mode answers chat from precomputed bytes without recording")
    func fastMode() async throws {
        try await Support.withFake(mode: .fast) { fake in
            let plain = try await Support.send(fake, "/v1/chat/completions", headers: Support.openAIAuth, json: Support.openAIChat())
            #expect(plain.status == 200)
            #expect(try plain.json()["object"] as? String == "chat.completion")

            let stream = try await Support.send(
                fake, "/v1/chat/completions", headers: Support.openAIAuth,
                json: #"{"model":"m", "stream" : true, "stream_options": {"include_usage": true}, "messages":[]}"#
            )
            #expect(stream.body.hasSuffix("data: [DONE]\n\n"))
            #expect(stream.body.contains(#""choices":[],"usage":{"#))

            let anthropic = try await Support.send(fake, "/v1/messages", headers: Support.anthropicAuth, json: Support.anthropicMessages(stream: true))
            #expect(Support.eventNames(anthropic.body).last == "message_stop")

            let refused = try await Support.send(fake, "/v1/chat/completions", headers: [("authorization", "Bearer no")], json: Support.openAIChat())
            #expect(refused.status == 401)

            #expect(await fake.receivedRequests().isEmpty)
        }
    }
}
