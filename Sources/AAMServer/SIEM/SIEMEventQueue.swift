import AAMCore
import Foundation
import Synchronization

/// Where one sink's events wait until its receiver confirms them: in memory (no spool
/// directory, e.g. `--database memory`) or in a durable outbox (`SIEMOutbox`).
protocol SIEMEventQueue: Sendable {
    /// Queues one event without blocking or awaiting (the exporter calls it for every event);
    /// a full queue drops it, counted. `wake` is called once events are ready to deliver.
    func enqueue(_ source: SIEMSourceEvent, normalized: SIEMEvent)
    /// Up to `limit` events from the head, oldest first, not yet removed.
    func peek(_ limit: Int) async -> [SIEMEvent]
    /// The receiver confirmed the batch `peek` returned.
    func acknowledge(_ count: Int) async
    /// The collector refused the batch `peek` returned as malformed: dropped, counted.
    func reject(_ count: Int, reason: String) async
    func recordFailure(_ reason: String)
    func stats(name: String, at now: Date) -> SIEMSinkStats
    /// Events waiting.
    var count: Int { get }
    /// Work the queue does besides delivery (the outbox persists events); returns after `stopIntake`.
    func run() async
    /// Refuses further events and lets `run` finish what it holds.
    func stopIntake()
    /// Makes what is still queued durable where the queue can (the outbox), and releases files.
    func close() async
}

/// The in-memory queue: lost at shutdown (what does not reach the receiver within the drain
/// timeout is logged as undelivered).
final class MemorySIEMQueue: SIEMEventQueue {
    private let backlog: Mutex<SIEMBacklog<SIEMEvent>>
    private let wake: @Sendable () -> Void
    private let logger: @Sendable (_ dropped: Int) -> Void

    init(capacity: Int, wake: @escaping @Sendable () -> Void, onDrop: @escaping @Sendable (_ dropped: Int) -> Void) {
        self.backlog = Mutex(SIEMBacklog(capacity: capacity))
        self.wake = wake
        self.logger = onDrop
    }

    func enqueue(_ source: SIEMSourceEvent, normalized: SIEMEvent) {
        let (accepted, dropped) = backlog.withLock { ($0.append(normalized, at: source.observedAt), $0.dropped) }
        if accepted { wake() } else { logger(dropped) }
    }

    func peek(_ limit: Int) async -> [SIEMEvent] { backlog.withLock { $0.peek(limit) } }
    func acknowledge(_ count: Int) async { backlog.withLock { $0.acknowledge(count) } }
    func reject(_ count: Int, reason: String) async { backlog.withLock { $0.reject(count, reason: reason) } }
    func recordFailure(_ reason: String) { backlog.withLock { $0.recordFailure(reason) } }
    func stats(name: String, at now: Date) -> SIEMSinkStats { backlog.withLock { $0.stats(name: name, at: now) } }
    var count: Int { backlog.withLock { $0.count } }
    func run() async {}
    func stopIntake() {}
    func close() async {}
}
