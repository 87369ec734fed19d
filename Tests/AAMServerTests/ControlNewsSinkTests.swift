import AAMControlProtocol
import Foundation
import Synchronization
import Testing

@testable import AAMServer

/// `ControlClient.connect(newsSink:)`, the console's path for the live feed: every event
/// reaches the sink, in order, a socket read's worth per call, and `events` carries none of them
/// but still finishes when the connection ends.
@Suite("Control news sink")
struct ControlNewsSinkTests {
    @Test func everyEventReachesTheSinkInOrderAndEventsOnlyFinishes() async throws {
        let total = 600
        let received = Mutex<[String]>([])
        let batches = Mutex(0)
        let (allArrived, arrived) = AsyncStream.makeStream(of: Void.self)
        let gateway = try await GatewayHarness.start()
        do {
            let client = try await connectControl(gateway) { news in
                batches.withLock { $0 += 1 }
                let count = received.withLock { ids in
                    ids += news.compactMap { $0.event?.call?.requestId }
                    return ids.count
                }
                if count >= total { arrived.yield() }
            }
            let streamed = Task { () -> Int in
                var count = 0
                for await _ in client.events { count += 1 }
                return count
            }
            try await client.subscribe()
            let bus = gateway.gateway.runtime.bus
            for index in 0..<total { bus.publish(.call(ControlThroughputTests.record(index))) }
            var waiter = allArrived.makeAsyncIterator()
            let timeout = Task {
                try await Task.sleep(for: .seconds(60))
                arrived.finish()
            }
            _ = await waiter.next()
            timeout.cancel()
            // The bus publishes in order; the daemon writes in order; the sink keeps it.
            #expect(received.withLock { $0 } == (0..<total).map { "req_\($0)" })
            // Batched: fewer calls than events (the reader pauses after news, so events gather).
            #expect(batches.withLock { $0 } < total)
            client.close()
            #expect(await streamed.value == 0)
        } catch {
            await gateway.stop()
            throw error
        }
        await gateway.stop()
    }
}
