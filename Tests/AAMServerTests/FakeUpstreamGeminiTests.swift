import AAMTesting
import Foundation
import Testing

/// The Gemini dialect of the fake, checked over real loopback HTTP: it must refuse what the
/// real API refuses, or a gateway bug would pass against it.
@Suite("FakeUpstream: Gemini", .timeLimit(.minutes(1)))
struct FakeUpstreamGeminiTests {
    typealias Support = FakeUpstreamTestSupport
    static let generate = "/v1beta/models/gemini-2.0-flash:generateContent"
    static var auth: [(String, String)] { [("x-goog-api-key", Support.key)] }
    static let body = #"{"systemInstruction":{"parts":[{"text":"Be brief."}]},"contents":[{"role":"user","parts":[{"text":"Say hi"}]}],"generationConfig":{"maxOutputTokens":64}}"#

    static func error(_ reply: FakeUpstreamTestSupport.Reply) throws -> [String: Any] {
        try #require(try reply.json()["error"] as? [String: Any])
    }

    @Test func aPlainAnswerHasGooglesShapeAndUsage() async throws {
        try await Support.withFake { fake in
            let reply = try await Support.send(fake, Self.generate, headers: Self.auth, json: Self.body)
            #expect(reply.status == 200)
            #expect(reply.body.hasPrefix("{\n  \"candidates\": ["), "indented like Google's")
            let json = try reply.json()
            let candidate = try #require((json["candidates"] as? [[String: Any]])?.first)
            #expect(candidate["finishReason"] as? String == "STOP")
            let parts = try #require((candidate["content"] as? [String: Any])?["parts"] as? [[String: Any]])
            #expect(parts.first?["text"] as? String == "Hello from fake-gemini model gemini-2.0-flash: Say hi")
            let usage = try #require(json["usageMetadata"] as? [String: Any])
            #expect(usage["promptTokenCount"] as? Int == 4)
            #expect(usage["candidatesTokenCount"] as? Int == 7)
            #expect(usage["totalTokenCount"] as? Int == 11)
            #expect(json["responseId"] as? String == "fake-gemini-000001")
        }
    }

    @Test func aStreamIsCRLFFramedWholeResponsesWithTheFinishOnTheLast() async throws {
        try await Support.withFake { fake in
            let reply = try await Support.send(fake, "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse", headers: Self.auth, json: Self.body)
            #expect(reply.header("content-type")?.hasPrefix("text/event-stream") == true)
            let frames = reply.body.components(separatedBy: "\r\n\r\n").filter { !$0.isEmpty }
            #expect(frames.count == 7)
            let objects = try frames.map { frame in try #require(try JSONSerialization.jsonObject(with: Data(frame.dropFirst(6).utf8)) as? [String: Any]) }
            let finishes = objects.map { ($0["candidates"] as? [[String: Any]])?.first?["finishReason"] as? String }
            #expect(finishes == Array(repeating: nil, count: 6) + ["STOP"])
            #expect((objects.last?["usageMetadata"] as? [String: Any])?["candidatesTokenCount"] as? Int == 7)
            // Without alt=sse Gemini streams one JSON array.
            let array = try await Support.send(fake, "/v1beta/models/gemini-2.0-flash:streamGenerateContent", headers: Self.auth, json: Self.body)
            #expect((try JSONSerialization.jsonObject(with: Data(array.body.utf8)) as? [Any])?.count == 7)
        }
    }

    @Test func credentialsAreCheckedAsGeminiChecksThem() async throws {
        try await Support.withFake { fake in
            let missing = try await Support.send(fake, Self.generate, headers: [], json: Self.body)
            #expect(missing.status == 403)
            #expect(try Self.error(missing)["status"] as? String == "PERMISSION_DENIED")
            let wrong = try await Support.send(fake, Self.generate, headers: [("x-goog-api-key", "AIza-wrong")], json: Self.body)
            #expect(wrong.status == 400)
            #expect(wrong.body.contains("API_KEY_INVALID"))
            // A bearer token is not Gemini's credential.
            let bearer = try await Support.send(fake, Self.generate, headers: Support.openAIAuth, json: Self.body)
            #expect(bearer.status == 403)
            #expect(await fake.requestCount() == 3)
        }
    }

    @Test func bodiesGeminiRefusesAreRefused() async throws {
        try await Support.withFake { fake in
            let unknown = try await Support.send(fake, Self.generate, headers: Self.auth, json: #"{"model":"gemini-2.0-flash","contents":[{"role":"user","parts":[{"text":"hi"}]}]}"#)
            #expect(unknown.status == 400)
            #expect(try Self.error(unknown)["message"] as? String == #"Invalid JSON payload received. Unknown name "model": Cannot find field."#)
            let role = try await Support.send(fake, Self.generate, headers: Self.auth, json: #"{"contents":[{"role":"assistant","parts":[{"text":"hi"}]}]}"#)
            #expect(try Self.error(role)["message"] as? String == "Please use a valid role: user, model.")
            let nameless = try await Support.send(fake, Self.generate, headers: Self.auth, json: #"{"contents":[{"role":"user","parts":[{"functionResponse":{"response":{}}}]}]}"#)
            #expect(nameless.status == 400)
            let wrongModel = try await Support.send(fake, "/v1beta/models/e1:batchEmbedContents", headers: Self.auth, json: #"{"requests":[{"model":"models/e2","content":{"parts":[{"text":"x"}]}}]}"#)
            #expect(wrongModel.status == 400)
            let method = try await Support.send(fake, "/v1beta/models/gemini-2.0-flash:predict", headers: Self.auth, json: Self.body)
            #expect(method.status == 404)
        }
    }

    @Test func injectedFaultsSpeakGemini() async throws {
        try await Support.withFake { fake in
            await fake.enqueue(.rateLimited(retryAfterSeconds: 37), .overloaded, .safetyBlock(afterEvents: nil))
            let limited = try await Support.send(fake, Self.generate, headers: Self.auth, json: Self.body)
            #expect(limited.status == 429)
            #expect(limited.header("retry-after") == nil, "Gemini says it in the body")
            #expect(try Self.error(limited)["status"] as? String == "RESOURCE_EXHAUSTED")
            #expect(limited.body.contains(#""retryDelay": "37s""#))
            let overloaded = try await Support.send(fake, Self.generate, headers: Self.auth, json: Self.body)
            #expect(overloaded.status == 503)
            #expect(try Self.error(overloaded)["status"] as? String == "UNAVAILABLE")
            let blocked = try await Support.send(fake, Self.generate, headers: Self.auth, json: Self.body)
            #expect(blocked.status == 200)
            let json = try blocked.json()
            #expect(json["candidates"] == nil)
            #expect((json["promptFeedback"] as? [String: Any])?["blockReason"] as? String == "SAFETY")
        }
    }

    @Test func embeddingsOneOrABatch() async throws {
        try await Support.withFake { fake in
            let one = try await Support.send(fake, "/v1beta/models/gemini-embedding-001:embedContent", headers: Self.auth, json: #"{"content":{"parts":[{"text":"hello"}]},"outputDimensionality":5}"#)
            #expect(((try one.json()["embedding"] as? [String: Any])?["values"] as? [Any])?.count == 5)
            let batch = try await Support.send(fake, "/v1beta/models/gemini-embedding-001:batchEmbedContents", headers: Self.auth, json: #"{"requests":[{"model":"models/gemini-embedding-001","content":{"parts":[{"text":"a"}]}},{"model":"models/gemini-embedding-001","content":{"parts":[{"text":"hello"}]}}]}"#)
            let embeddings = try #require(try batch.json()["embeddings"] as? [[String: Any]])
            #expect(embeddings.count == 2)
            // The same text gets the same vector, whichever method asked.
            #expect(embeddings[1]["values"] as? [Double] != nil)
        }
    }
}
