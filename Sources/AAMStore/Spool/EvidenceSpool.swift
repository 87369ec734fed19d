import AAMCore
import Dispatch
import Foundation
import Synchronization

/// The crash-safe evidence spool: an append-only log of `EvidenceItem`s in a directory of
/// segment files, acknowledged only once fsynced, drained to the database in order.
///
/// - Appends are group-committed (`GroupCommitQueue`): concurrent `appendDurably` callers share
///   one write and one `fsync`; each resumes only after the fsync covering its items.
/// - Each record is framed with its length, sequence number and a CRC-32 (`SpoolFrame`), so the
///   torn tail a crash can leave is detected and cut off at the next open, never mis-read.
/// - The drain (`readPending`, `commit`) reads durable records from the cursor, and after the
///   store has them, persists the cursor (`checkpoint`) and deletes fully drained segments.
/// - The backlog is bounded (`Options.limitBytes`): past it, appends throw `SpoolError(.full)`.
///   Crossing the high-water mark calls `onAlarm`.
///
/// Blocking file I/O runs on the spool's own dispatch queues (one writer, one reader), never on
/// the caller's thread (`aamd` runs Swift tasks on its event loops).
public final class EvidenceSpool: EvidenceSink, Sendable {
    public struct Options: Sendable {
        /// Hard limit on the undrained backlog, in bytes on disk. Default 1 GiB.
        public var limitBytes = 1 << 30
        /// Fraction of the limit at which the alarm is raised (cleared below half of it).
        public var highWaterFraction = 0.8
        /// Headroom kept for calls already admitted when new calls are refused (`acceptsNewCalls`).
        public var callReserveBytes: Int?
        /// A segment is closed and a new one started once it holds this much.
        public var segmentBytes = 8 << 20
        /// Largest single write of the group commit.
        public var maxBatchBytes = 8 << 20
        /// Time stamped on frames (the oldest-record age in the backlog).
        public var now: @Sendable () -> Date = { Date() }
        /// Called on the writer queue just before each fsync (tests hold the writer here to
        /// show that appenders arriving meanwhile share the next fsync).
        public var beforeSync: (@Sendable () -> Void)?

        public init() {}

        /// Default: 1 % of the limit, at least 16 KiB (a few dozen records), at most 1 MiB, and
        /// never more than a tenth of the limit (the gate stays above the 80 % alarm).
        var reserve: Int { callReserveBytes ?? min(max(limitBytes / 100, 16 << 10), 1 << 20, limitBytes / 10) }
    }

    struct State: Sendable {
        var ledger: SpoolLedger
        var queue = GroupCommitQueue<CheckedContinuation<Void, any Error>>()
        var activeFD: Int32
        var failure: SpoolError?
        var closed = false
    }

    public let directory: String
    public let options: Options
    public let recovery: SpoolRecoveryReport
    let state: Mutex<State>
    let lockFD: Int32
    let writerQueue = DispatchQueue(label: "aam.spool.writer")
    let readerQueue = DispatchQueue(label: "aam.spool.reader")
    let syncs = Atomic<Int>(0)
    let alarmHandler = Mutex<(@Sendable (SpoolAlarm) -> Void)?>(nil)
    private let appendedContinuation: AsyncStream<Void>.Continuation
    /// Yields after each durable batch (buffer of one): the drain waits on it when idle.
    public let appended: AsyncStream<Void>

    /// Opens (creating if needed) the spool in `directory`, recovering from any crash.
    public init(directory: String, options: Options = Options()) throws {
        self.directory = directory
        self.options = options
        try SpoolFiles.makeDirectory(directory)
        lockFD = try SpoolFiles.lockDirectory(directory)
        let ledger: SpoolLedger
        do {
            (ledger, recovery) = try SpoolRecovery.recover(directory: directory, options: options)
        } catch {
            SpoolFiles.closeDescriptor(lockFD)
            throw error
        }
        let fd: Int32
        do { fd = try SpoolFiles.openForAppend(SpoolRecovery.path(directory, ledger.active.firstSequence)) } catch {
            SpoolFiles.closeDescriptor(lockFD)
            throw error
        }
        state = Mutex(State(ledger: ledger, activeFD: fd))
        (appended, appendedContinuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        if ledger.backlogRecords > 0 { appendedContinuation.yield() }
    }

    /// Called when the backlog crosses the high-water mark (both ways). Set before serving.
    public func onAlarm(_ handler: @escaping @Sendable (SpoolAlarm) -> Void) {
        alarmHandler.withLock { $0 = handler }
    }

    /// The undrained backlog now.
    public var backlog: SpoolBacklog { state.withLock { $0.ledger.backlog() } }

    /// Fsyncs of segment data so far (one per group-committed batch).
    public var syncCount: Int { syncs.load(ordering: .relaxed) }

    /// Submissions waiting for the writer (tests use it to see appenders pile up).
    public var waitingAppends: Int { state.withLock { $0.queue.pendingSubmissions } }

    /// False once the backlog is within `callReserveBytes` of the limit, or the spool failed:
    /// new calls are then refused (fail closed) while admitted ones can still be recorded.
    public var acceptsNewCalls: Bool {
        state.withLock { $0.failure == nil && !$0.closed && $0.ledger.admits(bytes: 0, pendingBytes: $0.queue.pendingBytes, reserveBytes: options.reserve) }
    }

    /// Appends `items` in order and returns once they are fsynced. Throws `SpoolError` (`.full`
    /// at the limit, `.failed` after an I/O error, `.closed`) without appending anything.
    public func appendDurably(_ items: [EvidenceItem]) async throws {
        guard !items.isEmpty else { return }
        try await appendPayloadsDurably(try items.map(SpoolCodec.encode))
    }

    /// `appendDurably` for payloads already encoded (the SIEM outbox keeps its own records in a
    /// spool of its own). Each must fit a frame (1...`SpoolFrame.maxPayloadBytes`), else
    /// nothing is appended.
    public func appendPayloadsDurably(_ payloads: [[UInt8]]) async throws {
        guard !payloads.isEmpty else { return }
        guard payloads.allSatisfy({ !$0.isEmpty && $0.count <= SpoolFrame.maxPayloadBytes }) else {
            throw SpoolError(.io, "a spool record must be 1...\(SpoolFrame.maxPayloadBytes) bytes")
        }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let submission = GroupCommitQueue.Submission(payloads: payloads, waiter: continuation)
            let outcome: Result<GroupCommitQueue<CheckedContinuation<Void, any Error>>.SubmitResult, SpoolError> = state.withLock { state in
                if state.closed { return .failure(SpoolError(.closed, "the spool is closed")) }
                if let failure = state.failure { return .failure(failure) }
                guard state.ledger.admits(bytes: submission.frameBytes, pendingBytes: state.queue.pendingBytes) else {
                    return .failure(SpoolError(.full, "the evidence spool is full (\(state.ledger.limitBytes) bytes undrained)"))
                }
                return .success(state.queue.submit(submission))
            }
            switch outcome {
            case .failure(let error): continuation.resume(throwing: error)
            case .success(.startWriter): writerQueue.async { self.runWriter() }
            case .success(.queued): break
            }
        }
    }

    /// The writer loop (on `writerQueue`): batch, write, fsync, acknowledge, until idle.
    private func runWriter() {
        while true {
            let next = state.withLock { state -> (batch: [GroupCommitQueue<CheckedContinuation<Void, any Error>>.Submission], rotate: Bool, fd: Int32, first: UInt64)? in
                guard let batch = state.queue.takeBatch(maxBytes: options.maxBatchBytes) else { return nil }
                return (batch, state.ledger.needsRotation, state.activeFD, state.ledger.nextSequence)
            }
            guard let next else { return }
            do {
                var fd = next.fd
                if next.rotate { fd = try rotate(from: fd, first: next.first) }
                let nowMs = Int64((options.now().timeIntervalSince1970 * 1000).rounded())
                var buffer: [UInt8] = []
                buffer.reserveCapacity(next.batch.reduce(0) { $0 + $1.frameBytes })
                var sequence = next.first
                for submission in next.batch {
                    for payload in submission.payloads {
                        // Cannot throw: `appendDurably` only queues payloads `SpoolCodec` bounded.
                        try SpoolFrame.append(sequence: sequence, appendedAtMs: nowMs, payload: payload, to: &buffer)
                        sequence += 1
                    }
                }
                let file = SpoolRecovery.path(directory, state.withLock { $0.ledger.active.firstSequence })
                try SpoolFiles.writeAll(fd, buffer, path: file)
                options.beforeSync?()
                try SpoolFiles.sync(fd, path: file)
                syncs.wrappingAdd(1, ordering: .relaxed)
                let alarm = state.withLock { $0.ledger.recordWritten(records: Int(sequence - next.first), bytes: buffer.count, atMs: nowMs) }
                for submission in next.batch { submission.waiter.resume() }
                appendedContinuation.yield()
                if let alarm { alarmHandler.withLock { $0 }?(alarm) }
            } catch {
                // The bytes' fate on disk is unknown after a failed write or fsync: acknowledge
                // nothing more; the next start recovers whatever whole frames reached the disk.
                let failure = SpoolError(.failed, "the evidence spool failed: \(error)")
                let stranded = state.withLock { state -> [GroupCommitQueue<CheckedContinuation<Void, any Error>>.Submission] in
                    state.failure = failure
                    return state.queue.takeAll()
                }
                for submission in next.batch + stranded { submission.waiter.resume(throwing: failure) }
            }
        }
    }

    /// Starts a new segment at `first`: create, fsync the directory, then switch.
    private func rotate(from fd: Int32, first: UInt64) throws -> Int32 {
        let newFD = try SpoolFiles.openForAppend(SpoolRecovery.path(directory, first))
        try SpoolFiles.syncDirectory(directory)
        state.withLock { state in
            state.ledger.rotate()
            state.activeFD = newFD
        }
        SpoolFiles.closeDescriptor(fd)
        return newFD
    }

    /// Stops accepting appends, lets queued ones finish, and releases the files.
    public func close() async {
        state.withLock { $0.closed = true }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            // Runs after any writer loop already scheduled (the queue is serial).
            writerQueue.async {
                let stranded = self.state.withLock { state -> [GroupCommitQueue<CheckedContinuation<Void, any Error>>.Submission] in
                    SpoolFiles.closeDescriptor(state.activeFD)
                    state.activeFD = -1
                    return state.queue.takeAll()
                }
                for submission in stranded { submission.waiter.resume(throwing: SpoolError(.closed, "the spool is closed")) }
                self.readerQueue.async {
                    SpoolFiles.closeDescriptor(self.lockFD)
                    continuation.resume()
                }
            }
        }
        appendedContinuation.finish()
    }
}
