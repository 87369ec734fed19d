import AAMCore
import AAMStore
import Foundation
import Synchronization

/// A sink's durable queue: the events it has not delivered yet, in a crash-safe spool of its
/// own (`<spool dir>/siem-<sink>/`), whose checkpoint is the sink's persisted cursor. An event
/// leaves it only once the receiver confirmed it (or refused it as malformed), so delivery is
/// at least once across restarts: what was undelivered when the daemon stopped (the receiver
/// down, the drain timeout passed) is delivered after the next start.
///
/// `enqueue` never blocks: events wait in a short in-memory list that `run` appends to the
/// spool (group-committed: one fsync for whatever arrived meanwhile), and `close` appends the
/// rest at shutdown. A crash (`kill -9`) can lose only that list: events of the last few
/// milliseconds. At its byte limit new events are dropped and counted, like the memory queue.
final class SIEMOutbox: SIEMEventQueue {
    struct Counters {
        var pending: [SIEMSourceEvent] = []
        var delivered = 0
        var failures = 0
        var dropped = 0
        var lastError: String?
        /// The end of the batch `peek` returned: committed by `acknowledge` / `reject`.
        var peekedEnd: SpoolPosition?
        var closed = false
    }

    let spool: EvidenceSpool
    private let capacity: Int
    private let counters = Mutex(Counters())
    private let wake: @Sendable () -> Void
    private let log: @Sendable (_ message: String) -> Void
    private let persistWake: AsyncStream<Void>.Continuation
    private let persistWakes: AsyncStream<Void>

    /// Opens (or recovers) the outbox in `directory`.
    init(
        directory: String, capacity: Int, limitBytes: Int, wake: @escaping @Sendable () -> Void,
        log: @escaping @Sendable (_ message: String) -> Void
    ) throws {
        var options = EvidenceSpool.Options()
        options.limitBytes = limitBytes
        options.callReserveBytes = 0
        self.spool = try EvidenceSpool(directory: directory, options: options)
        self.capacity = max(1, capacity)
        self.wake = wake
        self.log = log
        (persistWakes, persistWake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        if spool.backlog.records > 0 { wake() }
    }

    /// Events kept from a previous run (delivered first).
    var recovered: Int { spool.recovery.pendingRecords }

    func enqueue(_ source: SIEMSourceEvent, normalized: SIEMEvent) {
        let dropped: Int? = counters.withLock { counters in
            guard !counters.closed, counters.pending.count < capacity else {
                counters.dropped += 1
                return counters.dropped
            }
            counters.pending.append(source)
            return nil
        }
        if let dropped {
            if dropped == 1 || dropped % 1000 == 0 { log("SIEM outbox: dropping new events (\(dropped) so far)") }
            return
        }
        persistWake.yield()
    }

    func run() async {
        for await _ in persistWakes { await persist() }
    }

    /// Appends the waiting events to the spool, then wakes delivery.
    private func persist() async {
        let batch = counters.withLock { counters -> [SIEMSourceEvent] in
            defer { counters.pending.removeAll(keepingCapacity: true) }
            return counters.pending
        }
        guard !batch.isEmpty else { return }
        let encoder = JSONEncoder()
        var payloads: [[UInt8]] = []
        var unencodable = 0
        for event in batch {
            if let payload = try? encoder.encode(event), payload.count <= SpoolFrame.maxPayloadBytes {
                payloads.append(Array(payload))
            } else {
                unencodable += 1
            }
        }
        do {
            try await spool.appendPayloadsDurably(payloads)
        } catch {
            counters.withLock { $0.dropped += payloads.count }
            log("SIEM outbox: cannot keep \(payloads.count) events (\(error)); dropped")
        }
        if unencodable > 0 { counters.withLock { $0.dropped += unencodable } }
        wake()
    }

    func peek(_ limit: Int) async -> [SIEMEvent] {
        while true {
            let raw: SpoolRawBatch?
            do { raw = try await spool.readPendingPayloads(maxRecords: limit) } catch {
                log("SIEM outbox: cannot read (\(error))")
                return []
            }
            guard let raw else { return [] }
            let decoder = JSONDecoder()
            var events: [SIEMEvent] = []
            var skipped = raw.unreadable
            for payload in raw.payloads {
                if let source = try? decoder.decode(SIEMSourceEvent.self, from: Data(payload)), let event = source.normalized() {
                    events.append(event)
                } else {
                    skipped += 1
                }
            }
            if skipped > 0 { counters.withLock { $0.dropped += skipped } }
            if events.isEmpty {
                // Nothing deliverable in this stretch (damage): move past it and read on.
                try? await spool.commit(raw.end)
                continue
            }
            counters.withLock { $0.peekedEnd = raw.end }
            return events
        }
    }

    func acknowledge(_ count: Int) async {
        await commitPeeked()
        counters.withLock {
            $0.delivered += count
            $0.lastError = nil
        }
    }

    func reject(_ count: Int, reason: String) async {
        await commitPeeked()
        counters.withLock {
            $0.dropped += count
            $0.lastError = reason
        }
    }

    private func commitPeeked() async {
        guard let end = counters.withLock({ counters -> SpoolPosition? in
            defer { counters.peekedEnd = nil }
            return counters.peekedEnd
        }) else { return }
        do { try await spool.commit(end) } catch {
            // The cursor did not move: the batch is sent again after a restart (at least once).
            log("SIEM outbox: cannot save the delivery cursor (\(error))")
        }
    }

    func recordFailure(_ reason: String) {
        counters.withLock {
            $0.failures += 1
            $0.lastError = reason
        }
    }

    func stats(name: String, at now: Date) -> SIEMSinkStats {
        let backlog = spool.backlog
        return counters.withLock { counters in
            SIEMSinkStats(
                name: name, backlog: backlog.records + counters.pending.count, capacity: capacity, lagSeconds: backlog.oldestAge(now: now),
                delivered: counters.delivered, failures: counters.failures, dropped: counters.dropped, lastError: counters.lastError)
        }
    }

    var count: Int { spool.backlog.records + counters.withLock { $0.pending.count } }

    func stopIntake() {
        counters.withLock { $0.closed = true }
        persistWake.finish()
    }

    /// After `run` returned: appends anything left, then closes the spool.
    func close() async {
        stopIntake()
        await persist()
        await spool.close()
    }
}
