import AAMControlProtocol
import Foundation
import Testing

@testable import AAMConsole

/// The mailbox between the console's network side and its screen loop: order kept, bounded by
/// the events it holds, and what it drops is told to the state as `missed`.
@Suite("Console inbox")
struct ConsoleInboxTests {
    static func batch(_ range: Range<Int>) -> ConsoleInbound {
        .messages(range.map { Fixtures.eventMessage(Fixtures.call($0)) })
    }

    static func requestIds(_ items: [ConsoleInbound]) -> [String] {
        items.flatMap { item -> [String] in
            guard case .messages(let messages) = item else { return [] }
            return messages.compactMap { $0.event?.call?.requestId }
        }
    }

    @Test func itemsComeOutInOrderAndTheInboxIsEmptyAfterwards() {
        let inbox = ConsoleInbox()
        inbox.post(.connecting)
        inbox.post(.connected(Fixtures.daemon))
        inbox.post(Self.batch(0..<3))
        inbox.post(.messages([]))  // an empty read adds nothing
        inbox.post(Self.batch(3..<5))
        let items = inbox.drain()
        #expect(items.count == 4)
        guard case .connecting = items[0], case .connected = items[1] else {
            Issue.record("the connection items are not first: \(items)")
            return
        }
        #expect(Self.requestIds(items) == (0..<5).map { "req-\($0)" })
        #expect(inbox.drain().isEmpty)
    }

    /// A stalled screen loop: the oldest events go (down to half the capacity), connection
    /// news stays, and the count dropped arrives as one `missed` message after the rest.
    @Test func overflowDropsTheOldestEventsOnlyAndSaysHowMany() {
        let inbox = ConsoleInbox(capacity: 10)
        inbox.post(Self.batch(0..<4))
        inbox.post(.lost(reason: "daemon gone", retryAt: Fixtures.now))
        inbox.post(Self.batch(4..<8))
        inbox.post(Self.batch(8..<12))  // 12 > 10: keep the newest 5
        let items = inbox.drain()
        #expect(Self.requestIds(items) == (7..<12).map { "req-\($0)" })
        #expect(items.contains { if case .lost = $0 { true } else { false } })
        guard case .messages(let last) = items.last else {
            Issue.record("no missed message at the end")
            return
        }
        #expect(last.map(\.type) == [.missed])
        #expect(last.first?.missed == 7)
        // The count is told once.
        inbox.post(Self.batch(12..<13))
        #expect(Self.requestIds(inbox.drain()) == ["req-12"])
    }
}
