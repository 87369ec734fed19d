import AAMCore
import AAMServer
import AAMTesting
import Foundation
import Testing

/// Upstream timeouts: a silent gap inside a stream, and a stream that runs past its budget.
@Suite("Upstream timeouts", .serialized)
struct TimeoutTests {
    static let upstreamKey = "sk-upstream-timeouts"

    func withGateway(_ configure: @escaping (inout DaemonOptions) -> Void, alias: String = "{}",
                     _ body: (GatewayHarness, FakeUpstream, String) async throws -> Void) async throws {
        let fake = try await FakeUpstream.start(apiKey: Self.upstreamKey)
        let gateway = try await GatewayHarness.start(configure: configure)
        do {
            try await gateway.addProvider("vendor", protocol: "openai", baseURL: fake.baseURL, credential: Self.upstreamKey)
            try await gateway.addDeployment(alias: "chat", provider: "vendor", model: "gpt-4o-mini", id: "chat-1")
            try await gateway.adminOK(.PUT, "/admin/aliases/chat", json: alias)
            try await body(gateway, fake, try await gateway.issueKey().secret)
        } catch {
            await gateway.stop(); await fake.stop()
            throw error
        }
        await gateway.stop(); await fake.stop()
    }

    static let streamRequest = #"{"model":"chat","stream":true,"messages":[{"role":"user","content":"one two three four five six"}]}"#

    @Test func aSilentGapInsideAStreamEndsItWithAnInBandError() async throws {
        // The idle timer also bounds the wait for the response head, so it must outlast the first
        // ~15 s of a full parallel run on 2 cores, when every suite starts its gateway at once
        // (seen: the head waited ~15 s there); the stall is well beyond it.
        try await withGateway({ $0.dataPlane.upstreamIdleTimeoutMs = 20_000 }) { gateway, fake, key in
            let subscription = gateway.gateway.runtime.bus.subscribe()
            defer { subscription.cancel() }
            await fake.enqueue(.stallMidStream(afterEvents: 3, gapMs: 45_000))
            let reply = try await gateway.call("/v1/chat/completions", key: key, json: Self.streamRequest)
            #expect(reply.status == 200)
            let events = sseEvents(reply.text)
            #expect(!events.contains { $0.data == "[DONE]" })
            #expect(events.last?.data.contains(#""error""#) == true)
            let record = try await GatewayHarness.record(try #require(reply.header("x-request-id")), on: subscription)
            #expect(record.outcome == .truncated)
        }
    }

    @Test func aStallBeforeTheFirstContentFailsOverOrFailsHonestly() async throws {
        // The idle timer also bounds the wait for the response head: 8 s leaves a loaded 2-core
        // run room to deliver the head (300 ms and then 3 s did not: a 504 for the head
        // instead), and the first content event comes 30 s after it.
        try await withGateway({ $0.dataPlane.upstreamIdleTimeoutMs = 8_000 }) { gateway, fake, key in
            await fake.enqueue(.slowStream(gapMs: 30_000))
            let reply = try await gateway.call("/v1/chat/completions", key: key, json: Self.streamRequest)
            // Nothing was sent yet, so the client gets a normal error response listing the attempt.
            #expect(reply.status == 502)
            #expect(try reply.errorMessage().contains("chat-1 (upstream_stream_failed)"))
        }
    }

    @Test func aStreamPastTheAliasBudgetIsCut() async throws {
        // The first content must arrive inside the budget (else a 504 before any byte): a 3 s
        // budget and 1 s gaps leave a loaded run room for that (700 ms / 300 ms did not), and the
        // stream's events take longer than the budget in all.
        try await withGateway({ _ in }, alias: #"{"timeoutMs":3000}"#) { gateway, fake, key in
            await fake.enqueue(.slowStream(gapMs: 1_000))
            let reply = try await gateway.call("/v1/chat/completions", key: key, json: Self.streamRequest)
            #expect(reply.status == 200)
            let last = try #require(sseEvents(reply.text).last)
            #expect(last.data.contains("upstream_total_timeout"), "\(last.data)")
        }
    }
}
