import Dispatch
import Synchronization

/// Hands access-log lines to a blocking file descriptor without ever blocking a caller: lines
/// are appended to a buffer under a short lock and a private serial queue writes the buffer
/// out. A reader that stops reading (a full pipe) stalls only that queue; once
/// `maxPendingBytes` wait, new lines are dropped and counted (`dropped`), never the daemon.
final class AccessLogWriter: Sendable {
    private struct Pending {
        var bytes: [UInt8] = []
        var flushScheduled = false
        var dropped = 0
    }

    static let defaultMaxPendingBytes = 8 << 20

    let descriptor: Int32
    let maxPendingBytes: Int
    private let pending = Mutex(Pending())
    private let queue = DispatchQueue(label: "aam.access-log")
    private let write: @Sendable ([UInt8], Int32) -> Void

    init(
        descriptor: Int32, maxPendingBytes: Int = AccessLogWriter.defaultMaxPendingBytes,
        write: @escaping @Sendable ([UInt8], Int32) -> Void = { bytes, descriptor in FileDescriptorWriter.writeAll(bytes, to: descriptor) }
    ) {
        self.descriptor = descriptor
        self.maxPendingBytes = maxPendingBytes
        self.write = write
    }

    /// Lines dropped because too much was waiting.
    var dropped: Int { pending.withLock { $0.dropped } }

    /// Queues one line (newline included); schedules a write unless one is already coming.
    func append(_ line: [UInt8]) {
        let schedule = pending.withLock { state -> Bool in
            guard state.bytes.count + line.count <= maxPendingBytes else {
                state.dropped += 1
                return false
            }
            state.bytes.append(contentsOf: line)
            defer { state.flushScheduled = true }
            return !state.flushScheduled
        }
        if schedule { queue.async { self.flush() } }
    }

    /// Writes what waits, as one buffer per round, until nothing does.
    private func flush() {
        while true {
            let batch = pending.withLock { state -> [UInt8] in
                defer { state.bytes = [] }
                if state.bytes.isEmpty { state.flushScheduled = false }
                return state.bytes
            }
            guard !batch.isEmpty else { return }
            write(batch, descriptor)
        }
    }

    /// Waits until every line queued before the call was written (for a graceful stop).
    func drain() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            queue.async {
                self.flush()
                done.resume()
            }
        }
    }
}
