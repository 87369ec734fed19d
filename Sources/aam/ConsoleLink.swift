import AAMControlProtocol
import Foundation
import Synchronization

/// What the network side tells the screen loop, in arrival order.
enum ConsoleInbound: Sendable {
    case connecting
    /// Connected (hellos exchanged, versions compatible): the state subscribes and queries.
    case connected(DaemonInfo)
    /// An unsolicited message: `event`, `missed`, or an `error` without an id.
    case message(ControlMessage)
    /// The answer to a message the state sent (`request` carries the state's own id).
    case reply(request: ControlMessage, reply: ControlMessage)
    /// The daemon refused a message the state sent, or it could not be delivered.
    case failed(request: ControlMessage, error: ControlError)
    case lost(reason: String, retryAt: Date)
}

/// The mailbox between the network tasks and the screen loop's thread. Bounded: if the screen
/// loop ever stalls, the oldest messages go and the state is told how many (as `missed`).
final class ConsoleInbox: Sendable {
    private struct Contents {
        var items: [ConsoleInbound] = []
        var dropped = 0
    }
    private let contents = Mutex(Contents())
    let capacity: Int

    init(capacity: Int = 50_000) { self.capacity = capacity }

    func post(_ item: ConsoleInbound) {
        post(contentsOf: CollectionOfOne(item))
    }

    /// Posts items in order under one lock (a socket read's worth of events).
    func post(contentsOf items: some Collection<ConsoleInbound>) {
        contents.withLock { contents in
            for item in items {
                if contents.items.count >= capacity {
                    contents.items.removeFirst(contents.items.count / 2)
                    contents.dropped += capacity / 2
                }
                contents.items.append(item)
            }
        }
    }

    /// Everything posted since the last call (and a `missed` message for anything dropped).
    func drain() -> [ConsoleInbound] {
        var (items, dropped) = contents.withLock { contents -> ([ConsoleInbound], Int) in
            defer { contents = Contents() }
            return (contents.items, contents.dropped)
        }
        if dropped > 0 {
            var missed = ControlMessage(type: .missed)
            missed.missed = dropped
            items.append(.message(missed))
            dropped = 0
        }
        return items
    }
}

/// The console's connection to the daemon: connects, forwards events, reconnects with backoff
/// (2 s, doubling to 10 s) when the daemon goes away, and sends what the state asks for.
final class ConsoleLink: Sendable {
    let path: String
    let inbox: ConsoleInbox
    private let current = Mutex<ControlClient?>(nil)
    static let firstRetryDelay = 2.0
    static let maxRetryDelay = 10.0

    init(path: String, inbox: ConsoleInbox) {
        self.path = path
        self.inbox = inbox
    }

    /// Runs until cancelled.
    func run() async {
        var delay = Self.firstRetryDelay
        while !Task.isCancelled {
            inbox.post(.connecting)
            let reason: String
            do {
                let client = try await ControlClient.connect(path: path, peer: "aam console") { [inbox] news in
                    inbox.post(contentsOf: news.map(ConsoleInbound.message))
                }
                current.withLock { $0 = client }
                delay = Self.firstRetryDelay
                inbox.post(.connected(client.daemon))
                await withTaskCancellationHandler {
                    // The news goes straight to the inbox (above); `events` only says when the connection ends.
                    for await _ in client.events {}
                } onCancel: {
                    client.close()
                }
                current.withLock { $0 = nil }
                reason = "daemon gone: \(client.disconnectReason?.description ?? "connection closed")"
            } catch {
                reason = "\(error)"
            }
            if Task.isCancelled { return }
            inbox.post(.lost(reason: reason, retryAt: Date().addingTimeInterval(delay)))
            try? await Task.sleep(for: .seconds(delay))
            delay = min(delay * 2, Self.maxRetryDelay)
        }
    }

    /// Sends a message the state produced; the answer comes back through the inbox paired with
    /// the request (the client numbers requests itself, the state matches by its own id).
    func send(_ message: ControlMessage) {
        guard let client = current.withLock({ $0 }) else {
            if message.type == .command {
                inbox.post(.failed(request: message, error: ControlError(code: .notConnected, message: "not connected to the daemon")))
            }
            return
        }
        Task { [inbox] in
            do {
                inbox.post(.reply(request: message, reply: try await client.request(message)))
            } catch ControlClientError.remote(let error) {
                inbox.post(.failed(request: message, error: error))
            } catch {
                // A lost connection is reported by `run`; a query's failure needs no more than that.
                if message.type == .command {
                    inbox.post(.failed(request: message, error: ControlError(code: .notDelivered, message: "\(error)")))
                }
            }
        }
    }

    func close() {
        current.withLock { $0?.close() }
    }
}
