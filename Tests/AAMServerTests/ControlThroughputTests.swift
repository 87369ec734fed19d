import AAMControlProtocol
import AAMCore
import Foundation
import Synchronization
import NIOHTTP1
import Testing

@testable import AAMServer

#if canImport(Glibc)
import Glibc
#endif
/// How fast the live feed goes: a paced 2,000 events/s (the console's target) arrives intact,
/// and a burst shows the ceiling of one subscriber. Figures are printed for the report.
@Suite("Control socket throughput")
struct ControlThroughputTests {
    static func record(_ index: Int) -> CallRecord {
        CallRecord(
            requestId: "req_\(index)", startedAt: Date(), keyPrefix: "sk-aam-abcd", orgId: "acme", teamId: "web", endpoint: "/v1/chat/completions",
            alias: "chat", provider: "sim-a", deployment: "chat-a", status: 200, outcome: .success, promptTokens: 12, completionTokens: 30,
            latencyMs: 41.5, attempts: [CallRecord.Attempt(deployment: "chat-a", provider: "sim-a", status: 200, errorClass: nil, latencyMs: 41)])
    }

    /// Counts call events and missed counts until, with the messages the client itself dropped
    /// (its own bounded queue, `droppedLocally`), they add up to `total`; nil after `timeout`.
    ///
    /// The client's drops count too: on a loaded machine this test's reader falls behind the
    /// socket, the client's queue (8,192) overflows and drops the oldest messages, counted
    /// there and nowhere else; the last messages of a burst may be among them, so nothing more
    /// arrives to wake a reader that waits for the sum: it is polled.
    static func collect(_ client: ControlClient, total: Int, timeout: Duration = .seconds(120)) -> Task<(events: Int, missed: Int)?, Never> {
        final class Counts: Sendable { let value = Mutex((events: 0, missed: 0)) }
        let counts = Counts()
        let receiver = Task {
            for await message in client.events {
                counts.value.withLock {
                    if message.type == .event, message.event?.call != nil { $0.events += 1 }
                    $0.missed += message.missed ?? 0
                }
            }
        }
        return Task {
            defer { receiver.cancel() }
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                let now = counts.value.withLock { $0 }
                let dropped = client.droppedLocally
                if now.events + now.missed + dropped >= total { return (now.events, now.missed + dropped) }
                try? await Task.sleep(for: .milliseconds(20))
            }
            return nil
        }
    }

    @Test func twoThousandEventsPerSecondArriveIntact() async throws {
        let gateway = try await GatewayHarness.start()
        do {
            let client = try await connectControl(gateway)
            defer { client.close() }
            try await client.subscribe()
            let total = 4_000
            let receiver = Self.collect(client, total: total)
            // 20 events every 10 ms: 2,000/s for two seconds.
            let bus = gateway.gateway.runtime.bus
            let clock = ContinuousClock()
            let start = clock.now
            for tick in 0..<(total / 20) {
                for index in 0..<20 { bus.publish(.call(Self.record(tick * 20 + index))) }
                try await clock.sleep(until: start + .milliseconds(10 * (tick + 1)))
            }
            let result = await receiver.value
            let received = try #require(result, "the subscriber did not get \(total) events or missed counts")
            print("control feed: paced 2000/s for \(total) events -> \(received.events) delivered, \(received.missed) missed, in \(clock.now - start)")
            // Every event is either delivered or counted as missed. (Whether any is missed depends
            // on the machine's load: the figure above is the measurement, not an assertion.)
            #expect(received.events + received.missed == total)
            #expect(received.events > 0)
        } catch {
            await gateway.stop()
            throw error
        }
        await gateway.stop()
    }

    @Test func aBurstShowsTheCeilingOfOneSubscriber() async throws {
        let gateway = try await GatewayHarness.start(configure: { $0.controlSocketSettings.subscriberBuffer = 1 << 15 })
        do {
            let client = try await connectControl(gateway)
            defer { client.close() }
            try await client.subscribe()
            let total = 20_000
            let clock = ContinuousClock()
            let start = clock.now
            let bus = gateway.gateway.runtime.bus
            let receiver = Self.collect(client, total: total)
            for index in 0..<total { bus.publish(.call(Self.record(index))) }
            let (events, missed) = try #require(await receiver.value, "the subscriber did not get \(total) events or missed counts")
            let elapsed = clock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            print("control feed: burst of \(total) -> \(events) delivered, \(missed) missed, \(Int(Double(events) / seconds)) events/s")
            #expect(events + missed == total)
        } catch {
            await gateway.stop()
            throw error
        }
        await gateway.stop()
    }
}
