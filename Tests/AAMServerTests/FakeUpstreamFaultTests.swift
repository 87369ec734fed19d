import AAMTesting
import AsyncHTTPClient
import Foundation
import NIOCore
import Testing

/// Scripted failures: statuses, cuts, hangs, slow and broken streams.
@Suite("FakeUpstream: fault injection", .timeLimit(.minutes(1)))
struct FakeUpstreamFaultTests {
    typealias Support = FakeUpstreamTestSupport

    @Test("queued 429 carries retry-after and vendor reset headers, then the queue drains to normal")
    func rateLimitedFromQueue() async throws {
        try await Support.withFake { fake in
            await fake.enqueue(.rateLimited(retryAfterSeconds: 7))
            #expect(await fake.pendingBehaviourCount() == 1)

            let limited = try await Support.send(fake, "/v1/chat/completions", headers: Support.openAIAuth, json: Support.openAIChat())
            #expect(limited.status == 429)
            #expect(limited.header("retry-after") == "7")
            #expect(limited.header("x-ratelimit-reset-requests") == "7s")
            let error = try #require(try limited.json()["error"] as? [String: Any])
            #expect(error["code"] as? String == "rate_limit_exceeded")

            let normal = try await Support.send(fake, "/v1/chat/completions", headers: Support.openAIAuth, json: Support.openAIChat())
            #expect(normal.status == 200)
            #expect(await fake.pendingBehaviourCount() == 0)
        }
    }

    @Test("vendor errors are rendered in the route's dialect")
    func dialects() async throws {
        try await Support.withFake { fake in
            await fake.enqueue(.overloaded, .rateLimited(retryAfterSeconds: 3), path: "/v1/messages")
            let overloaded = try await Support.send(fake, "/v1/messages", headers: Support.anthropicAuth, json: Support.anthropicMessages())
            #expect(overloaded.status == 529)
            #expect(overloaded.body == #"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#)
            let limited = try await Support.send(fake, "/v1/messages", headers: Support.anthropicAuth, json: Support.anthropicMessages())
            #expect(limited.status == 429)
            #expect(limited.header("retry-after") == "3")
            #expect(limited.header("anthropic-ratelimit-requests-reset") != nil)

            await fake.setBehaviour(.contextLengthExceeded, forModel: "gpt-4o")
            let tooLong = try await Support.send(fake, "/v1/chat/completions", headers: Support.openAIAuth, json: Support.openAIChat(model: "gpt-4o"))
            #expect(tooLong.status == 400)
            #expect((try tooLong.json()["error"] as? [String: Any])?["code"] as? String == "context_length_exceeded")
            let other = try await Support.send(fake, "/v1/chat/completions", headers: Support.openAIAuth, json: Support.openAIChat(model: "gpt-4o-mini"))
            #expect(other.status == 200)

            await fake.enqueue(.status(418, body: #"{"teapot":true}"#, headers: ["x-extra": "1"]))
            let raw = try await Support.send(fake, "/v1/chat/completions", headers: Support.openAIAuth, json: Support.openAIChat())
            #expect(raw.status == 418)
            #expect(raw.body == #"{"teapot":true}"#)
            #expect(raw.header("x-extra") == "1")
        }
    }

    @Test("a bad key does not consume a scripted fault")
    func refusalDoesNotConsume() async throws {
        try await Support.withFake { fake in
            await fake.enqueue(.serverError)
            let refused = try await Support.send(fake, "/v1/chat/completions", headers: [("authorization", "Bearer wrong")], json: Support.openAIChat())
            #expect(refused.status == 401)
            let failed = try await Support.send(fake, "/v1/chat/completions", headers: Support.openAIAuth, json: Support.openAIChat())
            #expect(failed.status == 500)
        }
    }

    @Test("disconnectMidStream sends n events then cuts the connection without [DONE]")
    func disconnectMidStream() async throws {
        try await Support.withFake { fake in
            await fake.enqueue(.disconnectMidStream(afterEvents: 2))
            var request = HTTPClientRequest(url: fake.baseURL + "/v1/chat/completions")
            request.method = .POST
            request.headers.add(name: "authorization", value: "Bearer \(Support.key)")
            request.body = .bytes(ByteBuffer(string: Support.openAIChat(stream: true)))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            #expect(response.status.code == 200)
            var received = ""
            var failure: (any Error)?
            do {
                for try await chunk in response.body { received += String(buffer: chunk) }
            } catch {
                failure = error
            }
            #expect(failure != nil, "the client must see the cut, not a clean end")
            #expect(Support.dataLines(received).count == 2)
            #expect(!received.contains("[DONE]"))

            // The fake keeps serving after a cut.
            let next = try await Support.send(fake, "/v1/chat/completions", headers: Support.openAIAuth, json: Support.openAIChat())
            #expect(next.status == 200)
        }
    }

    @Test("hang never answers; stop cuts it and returns")
    func hangReleasedByStop() async throws {
        let fake = try await FakeUpstream.start(apiKey: Support.key)
        await fake.setDefaultBehaviour(.hang)
        let call = Task {
            try await Support.send(fake, "/v1/chat/completions", headers: Support.openAIAuth, json: Support.openAIChat())
        }
        #expect(await fake.waitForRequests(count: 1))
        await fake.stop()
        let outcome = await call.result
        #expect(throws: (any Error).self) { try outcome.get() }
        await fake.stop()  // idempotent
        #expect(await fake.waitForRequests(count: 5) == false)
    }

    @Test("delay, slowStream and garbage")
    func slowAndBroken() async throws {
        try await Support.withFake { fake in
            await fake.enqueue(.delay(ms: 50, then: .slowStream(gapMs: 5)), .garbage, .garbage)
            let clock = ContinuousClock()
            let start = clock.now
            let slow = try await Support.send(fake, "/v1/chat/completions", headers: Support.openAIAuth, json: Support.openAIChat(stream: true))
            #expect(clock.now - start >= .milliseconds(50))
            #expect(slow.body.hasSuffix("data: [DONE]\n\n"))

            let plainGarbage = try await Support.send(fake, "/v1/chat/completions", headers: Support.openAIAuth, json: Support.openAIChat())
            #expect(plainGarbage.status == 200)
            #expect((try? JSONSerialization.jsonObject(with: Data(plainGarbage.body.utf8))) == nil)

            let streamGarbage = try await Support.send(fake, "/v1/messages", headers: Support.anthropicAuth, json: Support.anthropicMessages(stream: true))
            #expect(streamGarbage.status == 200)
            #expect(!streamGarbage.body.contains("message_stop"))
        }
    }
}
