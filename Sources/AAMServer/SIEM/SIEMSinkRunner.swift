import AAMCore
import Foundation
import Logging
import Synchronization

/// Delivers one sink's queue in order, at least once: a batch leaves the queue only when its
/// transport confirmed it (or the collector rejected it as malformed); every failure is
/// counted and retried after an exponential, jittered backoff.
///
/// The queue is durable (`SIEMOutbox`, under the evidence spool directory) when there is one,
/// so undelivered events survive a restart; otherwise in memory (`MemorySIEMQueue`).
/// `enqueue` never blocks (the exporter calls it for every event).
final class SIEMSinkRunner: Sendable {
    let transport: any SIEMTransport
    private let queue: any SIEMEventQueue
    private let wake: AsyncStream<Void>.Continuation
    private let wakeups: AsyncStream<Void>
    private let batchSize: Int
    private let backoff: SIEMBackoff
    private let random: any RandomSource
    private let clock: any WallClock
    private let logger: Logger
    /// Set at shutdown: deliver what is left until this instant, then stop.
    private let finishBy = Mutex<ContinuousClock.Instant?>(nil)

    /// `outboxDirectory`: where the sink keeps its durable queue (nil: in memory). An outbox
    /// that cannot be opened is reported and replaced by the memory queue.
    init(
        transport: any SIEMTransport, settings: SIEMSettings, clock: any WallClock, random: any RandomSource, logger: Logger,
        outboxDirectory: String? = nil
    ) {
        self.transport = transport
        let (wakeups, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        (self.wakeups, self.wake) = (wakeups, wake)
        let name = transport.name
        let wakeUp: @Sendable () -> Void = { wake.yield() }
        var queue: (any SIEMEventQueue)?
        if let outboxDirectory {
            do {
                let outbox = try SIEMOutbox(
                    directory: outboxDirectory, capacity: settings.backlogCapacity, limitBytes: settings.outboxMaxBytes, wake: wakeUp,
                    log: { logger.error("\($0)", metadata: ["sink": .string(name)]) })
                if outbox.recovered > 0 {
                    logger.notice("SIEM outbox: delivering events kept from before the restart", metadata: [
                        "sink": .string(name), "events": "\(outbox.recovered)"])
                }
                queue = outbox
            } catch {
                logger.error("SIEM outbox unavailable; this sink's queue is in memory (lost at shutdown)", metadata: [
                    "sink": .string(name), "directory": .string(outboxDirectory), "reason": "\(error)"])
            }
        }
        self.queue = queue ?? MemorySIEMQueue(capacity: settings.backlogCapacity, wake: wakeUp) { dropped in
            if dropped == 1 || dropped % 1000 == 0 {
                logger.error("SIEM backlog full: dropping new events", metadata: ["sink": .string(name), "dropped": "\(dropped)"])
            }
        }
        self.batchSize = max(1, settings.batchSize)
        self.backoff = settings.backoff
        self.random = random
        self.clock = clock
        self.logger = logger
    }

    var name: String { transport.name }

    /// Whether undelivered events survive a restart.
    var isDurable: Bool { queue is SIEMOutbox }

    func stats() -> SIEMSinkStats {
        queue.stats(name: transport.name, at: clock.now())
    }

    /// Queues one event; when the queue is full the event is dropped, counted and alarmed.
    func enqueue(_ source: SIEMSourceEvent, normalized: SIEMEvent) {
        queue.enqueue(source, normalized: normalized)
    }

    /// Asks the loop to stop once the queue is empty, or at `deadline` at the latest.
    func finish(within timeout: Duration) {
        finishBy.withLock { $0 = .now + timeout }
        wake.yield()
    }

    /// The delivery loop (and the queue's own work); returns after `finish` (queue emptied or
    /// deadline passed), with what is left kept by a durable queue.
    func run() async {
        let queue = queue
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await queue.run() }
            await deliver()
            queue.stopIntake()
            await group.waitForAll()
        }
        await queue.close()
        let left = queue.count
        if left > 0 {
            if isDurable {
                logger.warning("SIEM export stopped with undelivered events; they are kept and delivered after the next start", metadata: [
                    "sink": .string(transport.name), "events": "\(left)"])
            } else {
                logger.error("SIEM export stopped with undelivered events", metadata: ["sink": .string(transport.name), "events": "\(left)"])
            }
        }
        await transport.shutdown()
    }

    private func deliver() async {
        var consecutiveFailures = 0
        var iterator = wakeups.makeAsyncIterator()
        while true {
            let deadline = finishBy.withLock { $0 }
            if let deadline, ContinuousClock.now >= deadline { break }
            let batch = await queue.peek(batchSize)
            if batch.isEmpty {
                if deadline != nil { break }
                _ = await iterator.next()
                continue
            }
            let result = await transport.deliver(batch)
            switch result {
            case .delivered:
                await queue.acknowledge(batch.count)
                if consecutiveFailures > 0 {
                    logger.notice("SIEM export resumed", metadata: ["sink": .string(transport.name), "after_failures": "\(consecutiveFailures)"])
                }
                consecutiveFailures = 0
            case .rejected(let reason):
                await queue.reject(batch.count, reason: reason)
                logger.error("SIEM collector rejected events as malformed; dropped", metadata: [
                    "sink": .string(transport.name), "events": "\(batch.count)", "reason": .string(reason),
                ])
                consecutiveFailures = 0
            case .retry(let reason), .misconfigured(let reason):
                queue.recordFailure(reason)
                consecutiveFailures += 1
                let misconfigured = result != .retry(reason)
                if misconfigured || consecutiveFailures == 1 || consecutiveFailures % 20 == 0 {
                    logger.log(level: misconfigured ? .error : .warning, "SIEM delivery failed; retrying", metadata: [
                        "sink": .string(transport.name), "reason": .string(reason), "consecutive_failures": "\(consecutiveFailures)",
                        "backlog": "\(queue.count)",
                    ])
                }
                var delay = backoff.delay(afterFailures: consecutiveFailures, random: random)
                if let deadline { delay = min(delay, max(.zero, deadline - .now)) }
                try? await Task.sleep(for: delay)
            }
        }
    }
}
