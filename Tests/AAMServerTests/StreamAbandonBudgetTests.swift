import AAMCore
import AAMTesting
import AsyncHTTPClient
import Foundation
import NIOCore
import Testing

@testable import AAMServer

/// Issue 13 item 5: a stream that ends before its usage report (the client hangs up, the
/// upstream is cut or errs, a guardrail blocks, the deadline fires) used to settle at 0 tokens /
/// $0 and release its hold. It now settles at least what was delivered (`EarlyEndSettlement`),
/// on the key's USD and token budgets, its TPM window and a workload's daily budget alike, and
/// the record says the usage is estimated.
@Suite("Stream abandon: budgets", .serialized)
struct StreamAbandonBudgetTests {
    static let upstreamKey = "sk-upstream-abandon-key"
    static let tpm: Int64 = 1_000_000
    /// $1 a prompt token, $2 a completion token: a cost reads as tokens.
    static let prices = #"[{"provider":"oa","model":"gpt-4o-mini","inputPerMillion":"1000000","outputPerMillion":"2000000","version":"v1"},{"provider":"an","model":"claude-sonnet-4-20250514","inputPerMillion":"1000000","outputPerMillion":"2000000","version":"v1"}]"#
    static let prompt = "one two three four five six seven eight"

    /// A streamed request, valid for both inbound APIs (`path` only names the API it goes to).
    static func body(path: String, alias: String, prompt: String = StreamAbandonBudgetTests.prompt) -> String {
        let text = String(decoding: (try? JSONEncoder().encode(prompt)) ?? Data(), as: UTF8.self)
        return #"{"model":"\#(alias)","max_tokens":50,"stream":true,"messages":[{"role":"user","content":\#(text)}]}"#
    }

    /// A gateway on a manual clock (rate windows stay put) with `chat` (OpenAI protocol) and
    /// `claude` (Anthropic protocol) on one fake vendor, both priced, and a key with a USD and
    /// token budget and a TPM limit.
    struct Fixture {
        let gateway: GatewayHarness
        let fake: FakeUpstream
        let clock: ManualClock
        let keyID: String
        let key: String

        var runtime: GatewayRuntime { gateway.gateway.runtime }

        static func run(_ body: (Fixture) async throws -> Void) async throws {
            let fake = try await FakeUpstream.start(apiKey: upstreamKey)
            let clock = ManualClock()
            let gateway: GatewayHarness
            do { gateway = try await GatewayHarness.start(clock: clock) } catch {
                await fake.stop()
                throw error
            }
            do {
                try await gateway.addProvider("oa", protocol: "openai", baseURL: fake.baseURL, credential: upstreamKey)
                try await gateway.addProvider("an", protocol: "anthropic", baseURL: fake.baseURL, credential: upstreamKey)
                try await gateway.addDeployment(alias: "chat", provider: "oa", model: "gpt-4o-mini", id: "chat-oa")
                try await gateway.addDeployment(alias: "claude", provider: "an", model: "claude-sonnet-4-20250514", id: "claude-an")
                #expect(try await gateway.admin(.PUT, "/admin/pricing", json: prices).status == 200)
                let (id, secret) = try await gateway.issueKey(extra: #""budgets":[{"period":"daily","usd":"100000","tokens":1000000}],"tpm":\#(tpm)"#)
                try await body(Fixture(gateway: gateway, fake: fake, clock: clock, keyID: id, key: secret))
            } catch {
                await gateway.stop()
                await fake.stop()
                throw error
            }
            await gateway.stop()
            await fake.stop()
        }

        /// Sends a streamed call and hangs up as soon as model output arrives (or, with
        /// `beforeAnyByte`, once the vendor has the request, before the gateway sent anything);
        /// returns the call's record.
        func hangUp(path: String, alias: String, beforeAnyByte: Bool = false) async throws -> CallRecord {
            let subscription = runtime.bus.subscribe()
            defer { subscription.cancel() }
            var request = HTTPClientRequest(url: gateway.baseURL + path)
            request.method = .POST
            request.headers.add(name: "authorization", value: "Bearer \(key)")
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: StreamAbandonBudgetTests.body(path: path, alias: alias)))
            let upstreamPath = alias == "claude" ? "/v1/messages" : "/v1/chat/completions"
            let before = await fake.requestCount(path: upstreamPath)
            let (signals, signal) = AsyncStream<String>.makeStream()
            let reader = Task {
                defer { signal.finish() }
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
                signal.yield("id:" + (response.headers.first(name: "x-request-id") ?? ""))
                var seen = ""
                for try await chunk in response.body {
                    seen += String(buffer: chunk)
                    if seen.contains("text_delta") || seen.range(of: #""content":"[^"]"#, options: .regularExpression) != nil {
                        signal.yield("content")
                    }
                }
            }
            if beforeAnyByte {
                // The vendor has the request; the gateway holds everything until the first content.
                let deadline = ContinuousClock.now + .seconds(30)
                while await fake.requestCount(path: upstreamPath) == before, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(10))
                }
                reader.cancel()
                _ = try? await reader.value
                // The request id was never seen: the next call record on the bus is this call's.
                return try await withThrowingTaskGroup(of: CallRecord?.self) { group in
                    group.addTask {
                        for await event in subscription.events {
                            if case .call(let record) = event { return record }
                        }
                        return nil
                    }
                    group.addTask {
                        try await Task.sleep(for: .seconds(30))
                        return nil
                    }
                    defer { group.cancelAll() }
                    guard let record = try await group.next() ?? nil else { throw HarnessError("no call record") }
                    return record
                }
            }
            var iterator = signals.makeAsyncIterator()
            let id = await iterator.next() ?? ""
            let content = await iterator.next()
            reader.cancel()
            _ = try? await reader.value
            #expect(content == "content", "the client saw model output before hanging up")
            return try await GatewayHarness.record(String(id.dropFirst(3)), on: subscription, timeout: .seconds(30))
        }

        /// The key's budget counters now.
        func budget() throws -> BudgetCounter {
            let key = try #require(runtime.snapshots.snapshot.state.keys[keyID])
            let budget = try #require(key.budgets?.first)
            return runtime.governance.usage(of: budget, on: GovernanceScope(.key, keyID), at: clock.now())
        }

        /// Tokens left in the key's TPM window (the manual clock does not drain it).
        func tpmRemaining() -> Int64 {
            runtime.governance.rateStatus(
                RateLimitKey(scope: GovernanceScope(.key, keyID), dimension: .tokens), limitPerMinute: tpm, at: clock.now()
            ).remaining
        }
    }

    /// A record settled on an estimate: tokens and the cost they price to at $1 / $2.
    static func expectEstimatedAndPriced(_ record: CallRecord, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(record.usageEstimated, "the record says the usage is the gateway's estimate", sourceLocation: sourceLocation)
        #expect(record.promptTokens > 0, sourceLocation: sourceLocation)
        #expect(record.completionTokens > 0, "the delivered output is billed", sourceLocation: sourceLocation)
        let cost = try Money(parsing: try #require(record.costUSD, "an early end is priced", sourceLocation: sourceLocation))
        #expect(cost == (try Money(parsing: String(record.promptTokens + 2 * record.completionTokens))), sourceLocation: sourceLocation)
        #expect(record.priceVersion == "v1", sourceLocation: sourceLocation)
    }

    static func tokens(_ record: CallRecord) -> Int64 { Int64(record.promptTokens + record.completionTokens) }

    static func cost(_ record: CallRecord) throws -> Money { try Money(parsing: try #require(record.costUSD)) }

    // MARK: The client hangs up

    @Test func hangingUpMidStreamSettlesWhatWasDeliveredOnEveryRoute() async throws {
        try await Fixture.run { f in
            // (inbound API, alias): same protocol (the byte-level fast path and the Anthropic
            // pass-through) and both translations.
            let routes = [
                ("/v1/chat/completions", "chat"), ("/v1/chat/completions", "claude"),
                ("/v1/messages", "claude"), ("/v1/messages", "chat"),
            ]
            var settledTokens: Int64 = 0
            var settledUSD = Money.zero
            for (path, alias) in routes {
                await f.fake.enqueue(.slowStream(gapMs: 300), path: alias == "claude" ? "/v1/messages" : "/v1/chat/completions")
                let record = try await f.hangUp(path: path, alias: alias)
                #expect(record.outcome == .cancelled, "\(path) -> \(alias)")
                #expect(record.errorClass == "client_disconnected")
                try Self.expectEstimatedAndPriced(record)
                if alias == "chat" {
                    // OpenAI reports nothing before its last chunk: the prompt is admission's estimate.
                    #expect(record.promptTokens == Self.body(path: path, alias: alias).utf8.count / 4, "\(path) -> \(alias)")
                } else {
                    // Anthropic's message_start gave the prompt: the vendor's figure wins.
                    #expect(record.promptTokens == (Self.prompt.utf8.count + 3) / 4, "\(path) -> \(alias)")
                }
                settledTokens += Self.tokens(record)
                settledUSD = settledUSD.saturatingAdding(try Self.cost(record))
            }
            // Every hold was settled with those figures, none released at zero.
            let budget = try f.budget()
            #expect(budget.reserved == .zero)
            #expect(budget.settled.tokens == settledTokens)
            #expect(budget.settled.usd == settledUSD)
            #expect(f.tpmRemaining() == Self.tpm - settledTokens, "the TPM window holds the settled tokens")
        }
    }

    @Test func leavingBeforeAnyBytePaysAtLeastThePrompt() async throws {
        try await Fixture.run { f in
            // The vendor thinks before answering; the client gives up before the gateway sent a
            // byte. (The vendor then streams slowly: a fast tail could fit in the socket buffers
            // before the hang-up shows, and would be a completed call billed on its report.)
            await f.fake.enqueue(.delay(ms: 1_000, then: .slowStream(gapMs: 300)), path: "/v1/chat/completions")
            let record = try await f.hangUp(path: "/v1/chat/completions", alias: "chat", beforeAnyByte: true)
            #expect(record.outcome == .cancelled)
            #expect(record.promptTokens == Self.body(path: "/v1/chat/completions", alias: "chat").utf8.count / 4)
            try Self.expectEstimatedAndPriced(record)
            let budget = try f.budget()
            #expect(budget.reserved == .zero)
            #expect(budget.settled.tokens == Self.tokens(record))
        }
    }

    // MARK: The stream ends early on the gateway's or the upstream's side

    /// The fake sends exactly these SSE bytes: role chunk, "Hello", " world" (11 bytes: 3
    /// tokens), then `tail`.
    static func scripted(tail: String) -> FakeBehaviour {
        func chunk(_ delta: String) -> String {
            #"data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":\#(delta),"finish_reason":null}]}"# + "\n\n"
        }
        let body = chunk(#"{"role":"assistant","content":""}"#) + chunk(#"{"content":"Hello"}"#) + chunk(#"{"content":" world"}"#) + tail
        return .status(200, body: body, headers: ["content-type": "text/event-stream"])
    }

    @Test func truncatedAndErroredUpstreamStreamsSettleTheDeliveredText() async throws {
        try await Fixture.run { f in
            let subscription = f.runtime.bus.subscribe()
            defer { subscription.cancel() }
            let cases: [(tail: String, errorClass: String)] = [
                ("", "upstream_stream_truncated"),
                (#"data: {"error":{"message":"overloaded","type":"server_error","code":null}}"# + "\n\n", "upstream_stream_error"),
            ]
            var total: Int64 = 0
            for path in ["/v1/chat/completions", "/v1/messages"] {
                for (tail, errorClass) in cases {
                    await f.fake.enqueue(Self.scripted(tail: tail), path: "/v1/chat/completions")
                    let body = Self.body(path: path, alias: "chat")
                    let reply = try await f.gateway.call(path, key: f.key, json: body)
                    #expect(reply.status == 200)
                    let record = try await GatewayHarness.record(try #require(reply.header("x-request-id")), on: subscription)
                    #expect(record.outcome == .truncated, "\(path) \(errorClass)")
                    #expect(record.errorClass == errorClass)
                    // Exactly: admission's prompt estimate and "Hello world" at 4 bytes a token.
                    #expect(record.promptTokens == body.utf8.count / 4)
                    #expect(record.completionTokens == 3)
                    try Self.expectEstimatedAndPriced(record)
                    total += Self.tokens(record)
                }
            }
            let budget = try f.budget()
            #expect(budget.reserved == .zero)
            #expect(budget.settled.tokens == total)
            #expect(f.tpmRemaining() == Self.tpm - total)
        }
    }

    @Test func aGuardrailBlockMidStreamSettlesWhatTheVendorProduced() async throws {
        try await Fixture.run { f in
            try await f.gateway.adminOK(.PUT, "/admin/guardrails/org:acme", json: #"{"response":{"email":"block"}}"#)
            let subscription = f.runtime.bus.subscribe()
            defer { subscription.cancel() }
            for (path, alias) in [("/v1/chat/completions", "chat"), ("/v1/messages", "claude")] {
                let body = Self.body(path: path, alias: alias, prompt: "write to jane.doe@example.com now")
                let reply = try await f.gateway.call(path, key: f.key, json: body)
                #expect(reply.status == 200)
                let record = try await GatewayHarness.record(try #require(reply.header("x-request-id")), on: subscription)
                #expect(record.outcome == .truncated)
                #expect(record.errorClass == "guardrail_blocked")
                try Self.expectEstimatedAndPriced(record)
            }
            #expect(try f.budget().reserved == .zero)
        }
    }

    @Test func aStreamCutAtTheDeadlineSettlesWhatWasDelivered() async throws {
        try await Fixture.run { f in
            try await f.gateway.adminOK(.PUT, "/admin/aliases/chat", json: #"{"timeoutMs":700}"#)
            let subscription = f.runtime.bus.subscribe()
            defer { subscription.cancel() }
            await f.fake.enqueue(.slowStream(gapMs: 300), path: "/v1/chat/completions")
            let reply = try await f.gateway.call("/v1/chat/completions", key: f.key, json: Self.body(path: "/v1/chat/completions", alias: "chat"))
            let record = try await GatewayHarness.record(try #require(reply.header("x-request-id")), on: subscription)
            #expect(record.outcome == .truncated)
            #expect(record.errorClass == "upstream_total_timeout")
            try Self.expectEstimatedAndPriced(record)
            let budget = try f.budget()
            #expect(budget.reserved == .zero)
            #expect(budget.settled.tokens == Self.tokens(record))
        }
    }

    @Test func aCompletedStreamSettlesTheVendorsReportUnmarked() async throws {
        try await Fixture.run { f in
            let subscription = f.runtime.bus.subscribe()
            defer { subscription.cancel() }
            let reply = try await f.gateway.call("/v1/chat/completions", key: f.key, json: Self.body(path: "/v1/chat/completions", alias: "chat"))
            let record = try await GatewayHarness.record(try #require(reply.header("x-request-id")), on: subscription)
            #expect(record.outcome == .success)
            #expect(!record.usageEstimated)
            #expect(record.promptTokens == (Self.prompt.utf8.count + 3) / 4, "the fake's own count")
        }
    }

    // MARK: A workload's daily budget

    static let analyst = "spiffe://prod/agent/stream-analyst"
    static let policy = """
        apiVersion: access.envisionai.dev/v1
        kind: AgentPolicy
        metadata:
          name: stream-analyst
        spec:
          identity:
            workload: spiffe://prod/agent/stream-analyst
          models:
            allow: [chat]
          budget: { daily_usd: 100000 }
        """

    @Test func aWorkloadThatHangsUpPaysItsDailyBudget() async throws {
        let ca = try WorkloadTestCA(trustDomain: "prod")
        let fake = try await FakeUpstream.start(apiKey: Self.upstreamKey)
        do {
            try await WorkloadGateway.with(cas: [ca], mtls: false) { wg in
                let g = wg.harness
                try await g.addProvider("oa", protocol: "openai", baseURL: fake.baseURL, credential: Self.upstreamKey)
                try await g.addDeployment(alias: "chat", provider: "oa", model: "gpt-4o-mini", id: "chat-oa")
                #expect(try await g.admin(.PUT, "/admin/pricing", json: Self.prices).status == 200)
                try await g.adminOK(.POST, "/admin/workloads", json: #"{"spiffeId":"\#(Self.analyst)","owner":"alice","team":"finance","environment":"prod","deployment":"v1","orgId":"acme"}"#)
                #expect(try await g.putPolicy(Self.policy).status == 201)
                let jwt = try await ca.jwtSVID(subject: Self.analyst)
                await fake.enqueue(.slowStream(gapMs: 300), path: "/v1/chat/completions")
                let f = Fixture(gateway: g, fake: fake, clock: ManualClock(), keyID: "", key: jwt)
                let record = try await f.hangUp(path: "/v1/chat/completions", alias: "chat")
                #expect(record.outcome == .cancelled)
                try Self.expectEstimatedAndPriced(record)
                let runtime = g.gateway.runtime
                let now = runtime.clock.now()
                #expect(runtime.agentSpend.outstandingCount == 0)
                #expect(runtime.agentSpend.today(Self.analyst, at: now) == (try Self.cost(record)), "the hold was settled at the delivered cost, not released")
            }
        } catch {
            await fake.stop()
            throw error
        }
        await fake.stop()
    }
}
