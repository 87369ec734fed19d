import AAMCore
import Foundation
import Testing

private func event(_ number: Int) -> GatewayEvent {
    .adminChange(actor: "admin", action: "test", target: "\(number)")
}

/// Reads exactly `count` events already buffered (or soon published) from a subscription.
private func take(_ count: Int, from subscription: EventBus.Subscription) async -> [GatewayEvent] {
    var iterator = subscription.events.makeAsyncIterator()
    var events: [GatewayEvent] = []
    while events.count < count, let next = await iterator.next() { events.append(next) }
    return events
}

/// Reads until the stream ends (it must have been finished).
private func drain(_ subscription: EventBus.Subscription) async -> [GatewayEvent] {
    var events: [GatewayEvent] = []
    for await next in subscription.events { events.append(next) }
    return events
}

@Suite("EventBus")
struct EventBusTests {
    @Test("every subscriber receives every event, in publish order")
    func fanOut() async {
        let bus = EventBus()
        let subscriptions = (0..<3).map { _ in bus.subscribe() }
        #expect(bus.subscriberCount == 3)
        let record = CallRecord(requestId: "req_1", startedAt: Date(timeIntervalSince1970: 1), endpoint: "/v1/chat/completions", status: 200, outcome: .success)
        let published = (0..<5).map(event) + [.call(record)]
        for item in published { bus.publish(item) }
        for subscription in subscriptions {
            #expect(await take(published.count, from: subscription) == published)
            #expect(subscription.dropped == 0)
        }
    }

    @Test("a subscriber with a buffer of 2 that does not read keeps the oldest 2 and counts every drop")
    func slowSubscriberDrops() async {
        let bus = EventBus()
        let slow = bus.subscribe(bufferSize: 2)
        let fast = bus.subscribe()
        for number in 0..<10 { bus.publish(event(number)) }
        #expect(slow.dropped == 8)
        #expect(fast.dropped == 0)
        #expect(await take(2, from: slow) == [event(0), event(1)])
        #expect(await take(10, from: fast) == (0..<10).map(event))

        // Having read, it has room again: two more fit, the third is dropped.
        for number in 10..<13 { bus.publish(event(number)) }
        #expect(slow.dropped == 9)
        slow.cancel()
        #expect(await drain(slow) == [event(10), event(11)])
    }

    @Test("publishing never waits for a subscriber that does not read")
    func publishNeverBlocks() async {
        let bus = EventBus()
        let stalled = bus.subscribe(bufferSize: 1)
        let published = 100_000
        for number in 0..<published { bus.publish(event(number)) }
        #expect(stalled.dropped == published - 1)
        #expect(await take(1, from: stalled) == [event(0)])
    }

    @Test("concurrent publishers: received plus dropped equals published, exactly")
    func concurrentPublishers() async {
        let bus = EventBus()
        let subscription = bus.subscribe(bufferSize: 100)
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<4 {
                group.addTask { for number in 0..<1_000 { bus.publish(event(worker * 1_000 + number)) } }
            }
        }
        subscription.cancel()
        let received = await drain(subscription)
        #expect(received.count == 100)
        #expect(subscription.dropped == 3_900)
        #expect(Set(received).count == 100)
    }

    @Test("cancel removes the subscriber; it receives nothing more and counts no drops")
    func cancelRemoves() async {
        let bus = EventBus()
        let kept = bus.subscribe()
        let cancelled = bus.subscribe(bufferSize: 1)
        #expect(bus.subscriberCount == 2)
        bus.publish(event(1))
        cancelled.cancel()
        #expect(bus.subscriberCount == 1)
        bus.publish(event(2))
        bus.publish(event(3))
        #expect(cancelled.dropped == 0)
        #expect(await drain(cancelled) == [event(1)], "events buffered before cancel are still delivered, then the stream ends")
        #expect(await take(3, from: kept) == [event(1), event(2), event(3)])
        cancelled.cancel()
        #expect(bus.subscriberCount == 1, "cancelling twice is harmless")
    }

    @Test("ending the iteration (task cancelled) removes the subscriber")
    func iterationEndRemoves() async {
        let bus = EventBus()
        let subscription = bus.subscribe()
        let consumer = Task {
            var count = 0
            for await _ in subscription.events { count += 1 }
            return count
        }
        consumer.cancel()
        _ = await consumer.value
        #expect(bus.subscriberCount == 0)
        bus.publish(event(1))
        #expect(subscription.dropped == 0)
    }

    @Test("a parked reader is woken by publish")
    func wakesWaitingReader() async {
        let bus = EventBus()
        let subscription = bus.subscribe(bufferSize: 1)
        async let first = take(3, from: subscription)
        // Publishing from another task while the reader may or may not be parked: none is lost
        // as long as the reader keeps up, and any loss is counted.
        for number in 0..<3 {
            bus.publish(event(number))
            await Task.yield()
        }
        subscription.cancel()
        let received = await first
        #expect(received.count + subscription.dropped == 3)
        #expect(received.first == event(0))
    }

    @Test("finishAll ends every subscription and leaves no subscribers")
    func finishAll() async {
        let bus = EventBus()
        let a = bus.subscribe()
        let b = bus.subscribe()
        bus.publish(event(1))
        bus.finishAll()
        #expect(bus.subscriberCount == 0)
        bus.publish(event(2))
        #expect(await drain(a) == [event(1)])
        #expect(await drain(b) == [event(1)])
        #expect(a.dropped == 0 && b.dropped == 0)
    }

    @Test("a bus with no subscribers accepts events")
    func noSubscribers() {
        let bus = EventBus()
        for number in 0..<100 { bus.publish(event(number)) }
        #expect(bus.subscriberCount == 0)
    }
}
