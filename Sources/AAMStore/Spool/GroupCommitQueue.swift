/// The group-commit state machine of the spool writer, free of I/O.
///
/// Appenders `submit` their encoded records and wait. The first submission while no writer is
/// running is told to start one; the writer repeatedly `takeBatch`es everything submitted so far
/// (one write and one fsync for the whole batch) until the queue is empty, when it goes idle.
/// While a batch is being fsynced, new submissions pile up and become the next batch: under load,
/// many appenders share one fsync; alone, an appender waits for exactly one.
public struct GroupCommitQueue<Waiter> {
    public struct Submission {
        public var payloads: [[UInt8]]
        /// Size of the frames these payloads become.
        public var frameBytes: Int
        public var waiter: Waiter

        public init(payloads: [[UInt8]], waiter: Waiter) {
            self.payloads = payloads
            self.frameBytes = payloads.reduce(0) { $0 + SpoolFrame.size(payloadBytes: $1.count) }
            self.waiter = waiter
        }
    }

    public enum SubmitResult: Sendable, Equatable {
        /// No writer is running: the caller must start one.
        case startWriter
        /// A writer is running and will take this submission in its next batch.
        case queued
    }

    private var pending: [Submission] = []
    public private(set) var pendingBytes = 0
    public private(set) var writerRunning = false
    public private(set) var batchesTaken = 0

    public init() {}

    public var pendingSubmissions: Int { pending.count }

    public mutating func submit(_ submission: Submission) -> SubmitResult {
        pending.append(submission)
        pendingBytes += submission.frameBytes
        if writerRunning { return .queued }
        writerRunning = true
        return .startWriter
    }

    /// The writer's next batch, in submission order: everything pending up to `maxBytes` (at
    /// least one submission). Nil when nothing is pending: the writer stops, and the next
    /// submission starts a new one.
    /// Only the running writer takes batches; asked while none runs, it answers nil.
    public mutating func takeBatch(maxBytes: Int) -> [Submission]? {
        guard writerRunning, !pending.isEmpty else {
            writerRunning = false
            return nil
        }
        var count = 0
        var bytes = 0
        while count < pending.count, count == 0 || bytes + pending[count].frameBytes <= maxBytes {
            bytes += pending[count].frameBytes
            count += 1
        }
        let batch = Array(pending.prefix(count))
        pending.removeFirst(count)
        pendingBytes -= bytes
        batchesTaken += 1
        return batch
    }

    /// Removes and returns everything pending (the spool failed or closed: fail them all).
    public mutating func takeAll() -> [Submission] {
        defer {
            pending.removeAll()
            pendingBytes = 0
        }
        return pending
    }
}

extension GroupCommitQueue: Sendable where Waiter: Sendable {}
extension GroupCommitQueue.Submission: Sendable where Waiter: Sendable {}
