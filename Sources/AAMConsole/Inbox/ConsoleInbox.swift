import AAMControlProtocol
import Foundation
import Synchronization

/// What the network side tells the screen loop, in arrival order.
public enum ConsoleInbound: Sendable {
    case connecting
    /// Connected (hellos exchanged, versions compatible): the state subscribes and queries.
    case connected(DaemonInfo)
    /// Unsolicited messages (`event`, `missed`, an `error` without an id) from one socket
    /// read, in order: one item per read, not per event, so a busy feed costs one hand-off per
    /// read and no copy of each message into the queue.
    case messages([ControlMessage])
    /// The answer to a message the state sent (`request` carries the state's own id).
    case reply(request: ControlMessage, reply: ControlMessage)
    /// The daemon refused a message the state sent, or it could not be delivered.
    case failed(request: ControlMessage, error: ControlError)
    case lost(reason: String, retryAt: Date)
}

/// The mailbox between the network side and the screen loop's thread.
///
/// Bounded by the unsolicited messages it holds: if the screen loop ever stalls, the oldest
/// batches go (never a connection change or an answer) until half the capacity is left, and
/// the next `drain` says how many as a `missed` message, as the daemon does for a slow console.
public final class ConsoleInbox: Sendable {
    private struct Contents {
        var items: [ConsoleInbound] = []
        var queuedMessages = 0
        var dropped = 0
    }
    private let contents = Mutex(Contents())
    /// Most unsolicited messages held.
    public let capacity: Int

    public init(capacity: Int = 50_000) { self.capacity = max(2, capacity) }

    public func post(_ item: ConsoleInbound) {
        contents.withLock { contents in
            if case .messages(let messages) = item {
                guard !messages.isEmpty else { return }
                contents.queuedMessages += messages.count
            }
            contents.items.append(item)
            if contents.queuedMessages > capacity { Self.dropOldestMessages(from: &contents, keeping: capacity / 2) }
        }
    }

    /// Everything posted since the last call, with a `missed` message for anything dropped.
    public func drain() -> [ConsoleInbound] {
        var (items, dropped) = contents.withLock { contents -> ([ConsoleInbound], Int) in
            defer { contents = Contents() }
            return (contents.items, contents.dropped)
        }
        if dropped > 0 {
            var missed = ControlMessage(type: .missed)
            missed.missed = dropped
            items.append(.messages([missed]))
            dropped = 0
        }
        return items
    }

    private static func dropOldestMessages(from contents: inout Contents, keeping limit: Int) {
        var kept: [ConsoleInbound] = []
        kept.reserveCapacity(contents.items.count)
        for item in contents.items {
            if case .messages(let messages) = item, contents.queuedMessages > limit {
                let drop = min(messages.count, contents.queuedMessages - limit)
                contents.queuedMessages -= drop
                contents.dropped += drop
                if drop < messages.count { kept.append(.messages(Array(messages.dropFirst(drop)))) }
            } else {
                kept.append(item)
            }
        }
        contents.items = kept
    }
}
