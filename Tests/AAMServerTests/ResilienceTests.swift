import AAMCore
import AAMTesting
import Foundation
import Testing

/// Routing and resilience over real HTTP with the fake vendor's fault injection, and a manual
/// clock so cooldowns and breaker backoffs are exact (no waiting on wall time).
@Suite("Resilience", .serialized)
struct ResilienceTests {
    static let upstreamKey = "sk-upstream-resilience"

    struct Setup {
        let gateway: GatewayHarness
        let openAI: FakeUpstream
        let anthropic: FakeUpstream
        let clock: ManualClock
        let key: String
    }

    /// `solo` (one OpenAI deployment), `claude` (one Anthropic deployment), and `guarded`
    /// (OpenAI) falling back to `claude`.
    func withSetup(_ body: (Setup) async throws -> Void) async throws {
        let openAI = try await FakeUpstream.start(apiKey: Self.upstreamKey)
        let anthropic = try await FakeUpstream.start(apiKey: Self.upstreamKey)
        let clock = ManualClock(Date())
        let policy = HealthPolicy(windowSeconds: 30, minimumRequests: 3, failureRatio: 0.5, openBackoffSeconds: 10)
        let gateway = try await GatewayHarness.start(clock: clock, healthPolicy: policy)
        do {
            try await gateway.addProvider("openai-vendor", protocol: "openai", baseURL: openAI.baseURL, credential: Self.upstreamKey)
            try await gateway.addProvider("anthropic-vendor", protocol: "anthropic", baseURL: anthropic.baseURL, credential: Self.upstreamKey)
            try await gateway.addDeployment(alias: "solo", provider: "openai-vendor", model: "gpt-4o-mini", id: "solo-1")
            try await gateway.addDeployment(alias: "claude", provider: "anthropic-vendor", model: "claude-sonnet-4-20250514", id: "claude-1")
            try await gateway.addDeployment(alias: "guarded", provider: "openai-vendor", model: "gpt-4o", id: "guarded-1")
            for alias in ["solo", "claude"] { try await gateway.adminOK(.PUT, "/admin/aliases/\(alias)", json: #"{"retries":0}"#) }
            try await gateway.adminOK(.PUT, "/admin/aliases/guarded", json: #"{"retries":0,"fallbacks":["claude"]}"#)
            let key = try await gateway.issueKey().secret
            try await body(Setup(gateway: gateway, openAI: openAI, anthropic: anthropic, clock: clock, key: key))
        } catch {
            await gateway.stop(); await openAI.stop(); await anthropic.stop()
            throw error
        }
        await gateway.stop(); await openAI.stop(); await anthropic.stop()
    }

    func ask(_ setup: Setup, _ alias: String) async throws -> GatewayHarness.Reply {
        try await setup.gateway.call("/v1/chat/completions", key: setup.key, json: #"{"model":"\#(alias)","messages":[{"role":"user","content":"hi"}]}"#)
    }

    @Test func retryAfterCoolsTheDeploymentForExactlyThatLong() async throws {
        try await withSetup { setup in
            await setup.openAI.enqueue(.rateLimited(retryAfterSeconds: 2))
            let first = try await ask(setup, "solo")
            #expect(first.status == 429)
            #expect(first.header("retry-after") == "2")
            // Cooling down: answered without asking the vendor.
            setup.clock.advance(by: 1.999)
            let during = try await ask(setup, "solo")
            #expect(during.status == 429)
            #expect(during.header("retry-after") == "1")
            #expect(await setup.openAI.requestCount() == 1)
            let providers = try await setup.gateway.admin(.GET, "/admin/providers/openai-vendor")
            let health = try #require((try providers.json()["health"] as? [[String: Any]])?.first { $0["deploymentID"] as? String == "solo-1" })
            #expect(health["state"] as? String == "cooling_down")
            #expect(health["reason"] as? String == "rate_limited")
            // At exactly +2 s it serves again.
            setup.clock.advance(by: 0.001)
            #expect(try await ask(setup, "solo").status == 200)
            #expect(await setup.openAI.requestCount() == 2)
        }
    }

    @Test func repeatedServerErrorsOpenTheBreakerAndAProbeClosesIt() async throws {
        try await withSetup { setup in
            let subscription = setup.gateway.gateway.runtime.bus.subscribe()
            defer { subscription.cancel() }
            await setup.openAI.setBehaviour(.serverError, forModel: "gpt-4o-mini")
            for _ in 0..<3 { #expect(try await ask(setup, "solo").status == 502) }
            // Open: refused without calling the vendor.
            let refused = try await ask(setup, "solo")
            #expect(refused.status == 503)
            #expect(try refused.errorMessage().contains("solo-1 (circuit_open)"))
            #expect(await setup.openAI.requestCount() == 3)
            // The vendor recovers; after the backoff one probe goes through and closes the breaker.
            await setup.openAI.setBehaviour(nil, forModel: "gpt-4o-mini")
            setup.clock.advance(by: 10)
            #expect(try await ask(setup, "solo").status == 200)
            #expect(try await ask(setup, "solo").status == 200)
            var states: [String] = []
            for await event in subscription.events {
                if case .health(let transition) = event, transition.deploymentID == "solo-1" {
                    states.append(transition.to.rawValue)
                    if transition.to == .closed { break }
                }
            }
            #expect(states == ["open", "half_open", "closed"])
        }
    }

    @Test func aHangingUpstreamTimesOutAndFallsBackAcrossProtocols() async throws {
        try await withSetup { setup in
            try await setup.gateway.adminOK(.PUT, "/admin/aliases/guarded", json: #"{"timeoutMs":400}"#)
            await setup.openAI.setBehaviour(.hang, forModel: "gpt-4o")
            let reply = try await ask(setup, "guarded")
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.header("x-aam-deployment") == "claude-1")
            let json = try reply.json()
            #expect(json["object"] as? String == "chat.completion", "the Anthropic answer is translated to the client's API")
            #expect(await setup.anthropic.requestCount(path: "/v1/messages") == 1)
        }
    }

    @Test func aServerErrorFallsBackToAnotherVendorInvisibly() async throws {
        try await withSetup { setup in
            await setup.openAI.enqueue(.serverError)
            let stream = try await setup.gateway.call(
                "/v1/chat/completions", key: setup.key, json: #"{"model":"guarded","stream":true,"messages":[{"role":"user","content":"hi"}]}"#)
            #expect(stream.status == 200)
            #expect(stream.header("x-aam-provider") == "anthropic-vendor")
            #expect(sseEvents(stream.text).last?.data == "[DONE]")
        }
    }

    @Test func contextWindowFallbackOnVendorErrorAndOnDeclaredWindow() async throws {
        try await withSetup { setup in
            try await setup.gateway.adminOK(.PUT, "/admin/aliases/solo", json: #"{"contextWindowFallback":"claude"}"#)
            await setup.openAI.enqueue(.contextLengthExceeded)
            let reply = try await ask(setup, "solo")
            #expect(reply.status == 200)
            #expect(reply.header("x-aam-deployment") == "claude-1")
            // With a declared window smaller than the prompt, the small deployment is not even tried.
            try await setup.gateway.adminOK(.PATCH, "/admin/deployments/solo-1", json: #"{"contextWindow":1}"#)
            let before = await setup.openAI.requestCount()
            let skipped = try await ask(setup, "solo")
            #expect(skipped.status == 200)
            #expect(skipped.header("x-aam-deployment") == "claude-1")
            #expect(await setup.openAI.requestCount() == before)
        }
    }

    @Test func invalidVendorCredentialRaisesAnOperatorEventUntilReplaced() async throws {
        try await withSetup { setup in
            let subscription = setup.gateway.gateway.runtime.bus.subscribe()
            defer { subscription.cancel() }
            await setup.openAI.enqueue(.invalidAPIKey)
            #expect(try await ask(setup, "solo").status == 502)
            var raised: HealthTransition?
            for await event in subscription.events {
                if case .health(let transition) = event { raised = transition; break }
            }
            #expect(raised?.to == .credentialInvalid)
            #expect(raised?.operatorEvent != nil)
            #expect(try await ask(setup, "solo").status == 503)
            try await setup.gateway.adminOK(.POST, "/admin/providers/openai-vendor/credential", json: #"{"credential":"\#(Self.upstreamKey)"}"#)
            #expect(try await ask(setup, "solo").status == 200)
        }
    }

    @Test func aKeysRequiredRegionConstrainsRouting() async throws {
        try await withSetup { setup in
            let gateway = setup.gateway
            try await gateway.adminOK(.POST, "/admin/deployments", json: #"{"id":"geo-us","alias":"geo","provider":"openai-vendor","upstreamModel":"gpt-4o-mini","region":"us-east","weight":1000}"#)
            try await gateway.adminOK(.POST, "/admin/deployments", json: #"{"id":"geo-eu","alias":"geo","provider":"openai-vendor","upstreamModel":"gpt-4o","region":"eu-west","weight":1}"#)
            let eu = try await gateway.issueKey(extra: #""region":"eu-west""#).secret
            for _ in 0..<5 {
                let reply = try await gateway.call("/v1/chat/completions", key: eu, json: #"{"model":"geo","messages":[{"role":"user","content":"hi"}]}"#)
                #expect(reply.header("x-aam-deployment") == "geo-eu")
            }
            let nowhere = try await gateway.issueKey(extra: #""region":"ap-south""#).secret
            let refused = try await gateway.call("/v1/chat/completions", key: nowhere, json: #"{"model":"geo","messages":[{"role":"user","content":"hi"}]}"#)
            #expect(refused.status == 503)
            #expect(try refused.errorMessage().contains("geo-us (region_mismatch)"))
        }
    }
}
