import AAMCore
import Foundation
import Logging
import Synchronization

/// Delivers one sink's backlog in order, at least once: a batch leaves the backlog only when
/// its transport confirmed it (or the collector rejected it as malformed); every failure is
/// counted and retried after an exponential, jittered backoff.
///
/// `enqueue` never blocks (the exporter calls it for every event): it appends to the bounded
/// backlog under a short lock and wakes the delivery loop.
final class SIEMSinkRunner: Sendable {
    let transport: any SIEMTransport
    private let backlog: Mutex<SIEMBacklog<SIEMEvent>>
    private let wake: AsyncStream<Void>.Continuation
    private let wakeups: AsyncStream<Void>
    private let batchSize: Int
    private let backoff: SIEMBackoff
    private let random: any RandomSource
    private let clock: any WallClock
    private let logger: Logger
    /// Set at shutdown: deliver what is left until this instant, then stop.
    private let finishBy = Mutex<ContinuousClock.Instant?>(nil)

    init(transport: any SIEMTransport, settings: SIEMSettings, clock: any WallClock, random: any RandomSource, logger: Logger) {
        self.transport = transport
        self.backlog = Mutex(SIEMBacklog(capacity: settings.backlogCapacity))
        (wakeups, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        self.batchSize = max(1, settings.batchSize)
        self.backoff = settings.backoff
        self.random = random
        self.clock = clock
        self.logger = logger
    }

    var name: String { transport.name }

    func stats() -> SIEMSinkStats {
        let now = clock.now()
        return backlog.withLock { $0.stats(name: transport.name, at: now) }
    }

    /// Queues one event; when the backlog is full the event is dropped, counted and alarmed.
    func enqueue(_ event: SIEMEvent) {
        let now = clock.now()
        let (accepted, dropped) = backlog.withLock { ($0.append(event, at: now), $0.dropped) }
        if accepted {
            wake.yield()
        } else if dropped == 1 || dropped % 1000 == 0 {
            logger.error(
                "SIEM backlog full: dropping new events", metadata: ["sink": .string(transport.name), "dropped": "\(dropped)"])
        }
    }

    /// Asks the loop to stop once the backlog is empty, or at `deadline` at the latest.
    func finish(within timeout: Duration) {
        finishBy.withLock { $0 = .now + timeout }
        wake.yield()
    }

    /// The delivery loop; returns after `finish` (backlog emptied or deadline passed).
    func run() async {
        var consecutiveFailures = 0
        var iterator = wakeups.makeAsyncIterator()
        while true {
            let batch = backlog.withLock { $0.peek(batchSize) }
            let deadline = finishBy.withLock { $0 }
            if batch.isEmpty {
                if deadline != nil { break }
                _ = await iterator.next()
                continue
            }
            if let deadline, ContinuousClock.now >= deadline { break }
            let result = await transport.deliver(batch)
            switch result {
            case .delivered:
                backlog.withLock { $0.acknowledge(batch.count) }
                if consecutiveFailures > 0 {
                    logger.notice("SIEM export resumed", metadata: ["sink": .string(transport.name), "after_failures": "\(consecutiveFailures)"])
                }
                consecutiveFailures = 0
            case .rejected(let reason):
                backlog.withLock { $0.reject(batch.count, reason: reason) }
                logger.error("SIEM collector rejected events as malformed; dropped", metadata: [
                    "sink": .string(transport.name), "events": "\(batch.count)", "reason": .string(reason),
                ])
                consecutiveFailures = 0
            case .retry(let reason), .misconfigured(let reason):
                backlog.withLock { $0.recordFailure(reason) }
                consecutiveFailures += 1
                let misconfigured = result != .retry(reason)
                if misconfigured || consecutiveFailures == 1 || consecutiveFailures % 20 == 0 {
                    logger.log(level: misconfigured ? .error : .warning, "SIEM delivery failed; retrying", metadata: [
                        "sink": .string(transport.name), "reason": .string(reason), "consecutive_failures": "\(consecutiveFailures)",
                        "backlog": "\(backlog.withLock { $0.count })",
                    ])
                }
                var delay = backoff.delay(afterFailures: consecutiveFailures, random: random)
                if let deadline { delay = min(delay, max(.zero, deadline - .now)) }
                try? await Task.sleep(for: delay)
            }
        }
        let left = backlog.withLock { $0.count }
        if left > 0 {
            logger.error("SIEM export stopped with undelivered events", metadata: ["sink": .string(transport.name), "events": "\(left)"])
        }
        await transport.shutdown()
    }
}
