import AAMCore
import Logging
import ServiceLifecycle
import Synchronization

/// Writes call records from the event bus to the store in batches, off the request path.
///
/// Records are buffered as they are published and written every `flushInterval` (group commit:
/// one multi-row insert per interval). A failed batch is kept and retried (appends are
/// idempotent by request id), and shutdown drains the buffer before returning.
public final class CallRecordWriter: Service {
    let store: any CallRecordStore
    let subscription: EventBus.Subscription
    let logger: Logger
    let flushInterval: Duration
    private let buffer = Mutex<[CallRecord]>([])
    private let written = Atomic<Int>(0)

    public init(bus: EventBus, store: any CallRecordStore, logger: Logger, flushInterval: Duration = .milliseconds(50)) {
        self.store = store
        self.subscription = bus.subscribe(bufferSize: 1 << 16)
        self.logger = logger
        self.flushInterval = flushInterval
    }

    /// Records written so far (for metrics and tests).
    public var writtenCount: Int { written.load(ordering: .relaxed) }
    public var droppedEvents: Int { subscription.dropped }

    public func run() async throws {
        let events = subscription.events
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                for await event in events {
                    if case .call(let record) = event { enqueue(record) }
                }
            }
            group.addTask { [self] in
                while !Task.isCancelled, !Task.isShuttingDownGracefully {
                    try? await Task.sleep(for: flushInterval)
                    await flush()
                }
            }
            await withGracefulShutdownHandler {
                await group.next()
            } onGracefulShutdown: { [subscription] in
                subscription.cancel()
            }
            group.cancelAll()
        }
        await flush()
    }

    private func enqueue(_ record: CallRecord) {
        buffer.withLock { $0.append(record) }
    }

    /// Writes everything buffered now. Retries with backoff while the store refuses.
    ///
    /// Runs in its own unstructured task: a shutdown that cancels the caller must not cancel a
    /// store write halfway (SQLiteNIO abandons cancelled work, which would lose the batch).
    public func flush() async {
        await Task { await self.writeBuffered() }.value
    }

    private func writeBuffered() async {
        let batch = buffer.withLock { pending -> [CallRecord] in
            defer { pending.removeAll(keepingCapacity: true) }
            return pending
        }
        guard !batch.isEmpty else { return }
        var delay = 0.05
        for attempt in 1...8 {
            do {
                try await store.append(batch)
                written.wrappingAdd(batch.count, ordering: .relaxed)
                return
            } catch {
                logger.error("call record batch failed", metadata: ["records": "\(batch.count)", "attempt": "\(attempt)", "error": "\(String(describing: error).prefix(200))"])
                try? await Task.sleep(for: .seconds(delay))
                delay = min(delay * 2, 2)
            }
        }
        // Keep the batch for the next flush rather than lose it.
        buffer.withLock { $0.insert(contentsOf: batch, at: 0) }
    }
}
