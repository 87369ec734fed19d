import AAMCore
import AAMTesting
import Foundation
import Testing

/// Vendors that answer garbage or fail: the client gets the right status in its own error shape,
/// retries happen only where another deployment could succeed, and nothing of the vendor's
/// credential or authentication message leaks.
@Suite("Bad input: upstream failures")
struct BadInputUpstreamTests {
    static let upstreamKey = "sk-upstream-badinput-7f3a9c2e"

    /// Two OpenAI-protocol providers on the same fake, told apart by upstream model:
    /// `duo` = `duo-first` (gpt-4o-mini, priority 0) then `duo-second` (gpt-4o, priority 1);
    /// `solo` = one deployment (gpt-4o-mini).
    static func setUp(_ gateway: GatewayHarness, fake: FakeUpstream) async throws -> String {
        try await gateway.addProvider("vendor-a", protocol: "openai", baseURL: fake.baseURL, credential: upstreamKey)
        try await gateway.addProvider("vendor-b", protocol: "openai", baseURL: fake.baseURL, credential: upstreamKey)
        try await gateway.adminOK(.POST, "/admin/deployments",
                                  json: #"{"id":"duo-first","alias":"duo","provider":"vendor-a","upstreamModel":"gpt-4o-mini","priority":0}"#)
        try await gateway.adminOK(.POST, "/admin/deployments",
                                  json: #"{"id":"duo-second","alias":"duo","provider":"vendor-b","upstreamModel":"gpt-4o","priority":1}"#)
        try await gateway.adminOK(.PUT, "/admin/aliases/duo", json: #"{"strategy":"priority","retries":1}"#)
        try await gateway.addDeployment(alias: "solo", provider: "vendor-a", model: "gpt-4o-mini", id: "solo-only")
        return try await gateway.issueKey().secret
    }

    func withSetUp(_ body: (GatewayHarness, FakeUpstream, String) async throws -> Void) async throws {
        try await withFakeUpstreams(count: 1, apiKey: Self.upstreamKey) { fakes in
            try await withGateway { gateway in
                let key = try await Self.setUp(gateway, fake: fakes[0])
                try await body(gateway, fakes[0], key)
            }
        }
    }

    @Test func garbageFromTheOnlyDeploymentIs502NamingIt() async throws {
        try await withSetUp { gateway, fake, key in
            await fake.setDefaultBehaviour(.garbage)
            let subscription = gateway.gateway.runtime.bus.subscribe()
            defer { subscription.cancel() }
            let reply = try await gateway.chat(.chat, model: "solo", key: key)
            reply.expectOpenAIError(502, type: "api_error", code: "upstream_error", messageContains: ["solo", "solo-only"])
            try await gateway.chat(.messages, model: "solo", key: key).expectAnthropicError(502, messageContains: ["solo-only"])
            let record = try await GatewayHarness.record(reply.requestID(), on: subscription)
            #expect(record.outcome == .upstreamError)
            #expect(record.status == 502)
            #expect(record.attempts.map(\.deployment) == ["solo-only"])
            // Streamed: garbage SSE before any content also fails cleanly, with an error, not a 200.
            let streamed = try await gateway.call(
                "/v1/chat/completions", key: key, json: #"{"model":"solo","stream":true,"messages":[{"role":"user","content":"hi"}]}"#)
            streamed.expectOpenAIError(502, type: "api_error", code: "upstream_error", messageContains: ["solo-only"])
            // The vendor recovers; so does the gateway.
            await fake.setDefaultBehaviour(.normal)
            try await gateway.expectServed(.chat, model: "solo", key: key)
        }
    }

    @Test func serverErrorOnTheFirstDeploymentFailsOverToTheSecond() async throws {
        try await withSetUp { gateway, fake, key in
            await fake.setBehaviour(.serverError, forModel: "gpt-4o-mini")
            let subscription = gateway.gateway.runtime.bus.subscribe()
            defer { subscription.cancel() }
            for route in InboundRoute.allCases {
                let reply = try await gateway.expectServed(route, model: "duo", key: key)
                #expect(reply.header("x-aam-deployment") == "duo-second")
                #expect(reply.header("x-aam-provider") == "vendor-b")
                let record = try await GatewayHarness.record(reply.requestID(), on: subscription)
                #expect(record.outcome == .success)
                #expect(record.deployment == "duo-second")
                #expect(record.attempts.count == 2)
                #expect(record.attempts.map(\.deployment) == ["duo-first", "duo-second"])
                #expect(record.attempts.first?.status == 500)
                #expect(record.attempts.last?.status == 200)
                #expect(record.attempts.last?.errorClass == nil)
            }
            #expect(await fake.receivedRequests().map(\.model) == ["gpt-4o-mini", "gpt-4o", "gpt-4o-mini", "gpt-4o"])
        }
    }

    @Test func upstreamAuthFailureIsA5xxThatLeaksNothing() async throws {
        try await withSetUp { gateway, fake, key in
            await fake.setDefaultBehaviour(.invalidAPIKey)
            let subscription = gateway.gateway.runtime.bus.subscribe()
            defer { subscription.cancel() }
            let openAI = try await gateway.chat(.chat, model: "duo", key: key)
            let anthropic = try await gateway.chat(.messages, model: "duo", key: key)
            #expect((500..<600).contains(openAI.status), "\(openAI.text)")
            openAI.expectOpenAIError(openAI.status, type: "api_error", code: "upstream_error")
            // Both deployments are now marked credential_invalid: the next call is refused
            // without touching the vendor, and says why.
            anthropic.expectAnthropicError(503, messageContains: ["credential_invalid"])
            #expect(await fake.requestCount() == 2)
            for reply in [openAI, anthropic] {
                // Neither the vendor's words (which echo part of the key) nor the credential.
                #expect(!reply.text.contains("Incorrect API key"))
                #expect(!reply.text.contains("platform.openai.com"))
                #expect(!reply.text.contains(Self.upstreamKey))
                #expect(!reply.text.contains(String(Self.upstreamKey.prefix(10))))
                #expect(!reply.text.contains(String(Self.upstreamKey.suffix(6))))
                #expect(!reply.headers.contains { $0.value.contains(Self.upstreamKey) })
            }
            let record = try await GatewayHarness.record(openAI.requestID(), on: subscription)
            #expect(record.outcome == .upstreamError)
            #expect(record.attempts.map(\.status) == [401, 401], "both deployments tried: another credential may work")
        }
    }

    @Test func contextLengthErrorIsPassedOnWithoutRetry() async throws {
        try await withSetUp { gateway, fake, key in
            await fake.setDefaultBehaviour(.contextLengthExceeded)
            let reply = try await gateway.chat(.chat, model: "duo", key: key)
            reply.expectOpenAIError(400, type: "invalid_request_error", code: "upstream_rejected_request",
                                    messageContains: ["maximum context length is 128000 tokens"])
            #expect(reply.header("x-aam-deployment") == "duo-first")
            #expect(await fake.requestCount() == 1, "a request the vendor rejects is not retried elsewhere")

            try await gateway.chat(.messages, model: "duo", key: key)
                .expectAnthropicError(400, messageContains: ["maximum context length is 128000 tokens"])
            #expect(await fake.requestCount() == 2)
        }
    }

    @Test func rateLimitedEverywhereIs429WithRetryAfter() async throws {
        try await withSetUp { gateway, fake, key in
            await fake.setDefaultBehaviour(.rateLimited(retryAfterSeconds: 7))
            let subscription = gateway.gateway.runtime.bus.subscribe()
            defer { subscription.cancel() }
            let openAI = try await gateway.chat(.chat, model: "duo", key: key)
            openAI.expectOpenAIError(429, type: "rate_limit_error", code: "rate_limit_exceeded", messageContains: ["duo-first", "duo-second"])
            // 7 s from the vendor, counted down from the first 429 (a loaded machine can take
            // seconds between the attempts and the calls, so only the bounds and the order hold).
            let first = try #require(openAI.header("retry-after").flatMap(Int.init), "retry-after on the first 429")
            #expect((1...7).contains(first), "\(first)")
            let anthropic = try await gateway.chat(.messages, model: "duo", key: key)
            anthropic.expectAnthropicError(429)
            // Both deployments are cooling down until the vendor's reset: answered at once,
            // with the remaining time, and the vendor is not asked again.
            let second = try #require(anthropic.header("retry-after").flatMap(Int.init), "retry-after on the second 429")
            #expect((1...first).contains(second), "the remaining time counts down: \(first) then \(second)")
            #expect(await fake.requestCount() == 2, "the second call is answered from the cooldown")
            let record = try await GatewayHarness.record(openAI.requestID(), on: subscription)
            #expect(record.status == 429)
            #expect(record.outcome == .upstreamError)
            #expect(record.attempts.map(\.errorClass) == ["rate_limited", "rate_limited"])
        }
    }

    @Test func duplicateModelMembersCannotSmuggleAnotherAlias() async throws {
        try await withSetUp { gateway, fake, _ in
            let limited = try await gateway.issueKey(extra: #""models":["solo"]"#).secret
            let messages = #""messages":[{"role":"user","content":"hi"}]"#
            // A key held twice (also escaped, or in another letter case, which Go's decoder
            // folds) is refused outright: the gateway never decides on one copy while a vendor
            // reads another.
            for body in [
                #"{"model":"duo","model":"solo",\#(messages)}"#, #"{"mod\u0065l":"duo","model":"solo",\#(messages)}"#,
                #"{"model":"solo","MODEL":"duo",\#(messages)}"#,
            ] {
                let reply = try await gateway.call("/v1/chat/completions", key: limited, json: body)
                #expect(reply.status == 400, "\(reply.text)")
                #expect(try reply.errorCode() == "invalid_json", "\(reply.text)")
                #expect(reply.text.contains("duplicate"), "\(reply.text)")
            }
            #expect(await fake.requestCount() == 0, "nothing reached the vendor")
        }
    }

    @Test func hangingUpstreamTimesOutWithTheAliasTimeout() async throws {
        try await withSetUp { gateway, fake, key in
            await fake.setDefaultBehaviour(.hang)
            let alias = try await gateway.adminOK(.PUT, "/admin/aliases/solo", json: #"{"timeoutMs":300}"#)
            #expect(alias["timeoutMs"] as? Int == 300)
            let subscription = gateway.gateway.runtime.bus.subscribe()
            defer { subscription.cancel() }
            let clock = ContinuousClock()
            let start = clock.now
            let reply = try await gateway.chat(.chat, model: "solo", key: key)
            let elapsed = clock.now - start
            reply.expectOpenAIError(504, type: "api_error", code: "upstream_timeout", messageContains: ["solo-only"])
            #expect(elapsed < .seconds(5), "took \(elapsed)")
            #expect(elapsed >= .milliseconds(300), "answered before the timeout: \(elapsed)")
            try await gateway.chat(.messages, model: "solo", key: key).expectAnthropicError(504)
            let record = try await GatewayHarness.record(reply.requestID(), on: subscription)
            #expect(record.status == 504)
            #expect(record.attempts.map(\.errorClass) == ["timeout"])
        }
    }
}
