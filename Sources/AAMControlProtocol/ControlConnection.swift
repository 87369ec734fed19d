import Foundation
import Synchronization

/// The moving parts under `ControlClient`: one socket, a reader thread that splits lines and
/// hands each message to whoever waits for it, and the table of requests awaiting an answer.
///
/// A dedicated thread (not a Swift task) does the blocking `recv`, so the cooperative pool is
/// never held by an idle connection; everything it touches is behind `state`.
final class ControlConnection: Sendable {
    private struct State {
        var nextId = 0
        var pending: [Int: CheckedContinuation<ControlMessage, any Error>] = [:]
        var helloWaiter: CheckedContinuation<ControlMessage, any Error>?
        /// The daemon's answer to our hello (or its refusal, which it may send before reading
        /// anything) when it arrived before `handshake` started waiting.
        var earlyAnswer: ControlMessage?
        var helloAnswered = false
        var ended: ControlClientError?
        var closing = false
        /// The reader closed the descriptor: its number may already belong to another socket,
        /// so nothing may shut it down or write to it any more.
        var descriptorClosed = false
        /// Unsolicited messages the consumer did not take in time (the stream keeps the newest).
        var droppedLocally = 0
    }

    let path: String
    let events: AsyncStream<ControlMessage>
    private let eventSink: AsyncStream<ControlMessage>.Continuation
    private let socket: UnixStreamSocket
    private let state = Mutex(State())
    /// Serialises writers so two requests never interleave bytes on the wire.
    private let writeLock = Mutex(())

    /// How many unsolicited messages the client keeps when its consumer falls behind.
    static let eventBuffer = 8192
    /// How long the reader lets news gather after delivering some (the console draws at most
    /// 10 frames a second, so 10 ms is unseen; at 2,000 events/s it turns ~2,000 reads into ~100).
    static let newsPauseMicroseconds: UInt32 = 10_000

    /// Takes the news of each read at once on the reader thread, instead of `events` (see
    /// `ControlClient.connect(newsSink:)`).
    private let newsSink: ControlNewsSink?

    init(socket: UnixStreamSocket, path: String, newsSink: ControlNewsSink? = nil) {
        self.socket = socket
        self.path = path
        self.newsSink = newsSink
        (events, eventSink) = AsyncStream.makeStream(of: ControlMessage.self, bufferingPolicy: .bufferingNewest(Self.eventBuffer))
    }

    func startReader() {
        let thread = Thread { [self] in readLoop() }
        thread.name = "aam-control-reader"
        thread.start()
    }

    var endReason: ControlClientError? { state.withLock { $0.ended } }
    var droppedLocally: Int { state.withLock { $0.droppedLocally } }

    /// Sends our hello and waits for the daemon's (or its refusal).
    func handshake(_ hello: ControlMessage, timeout seconds: Double) async throws -> ControlMessage {
        let bytes = try ControlFraming.encode(hello)
        let timer = Task { [self] in
            try await Task.sleep(for: .seconds(seconds))
            let waiter = state.withLock { state in
                defer { state.helloWaiter = nil }
                return state.helloWaiter
            }
            waiter?.resume(throwing: ControlClientError.timeout(seconds: seconds))
        }
        defer { timer.cancel() }
        return try await withCheckedThrowingContinuation { continuation in
            let outcome = state.withLock { state -> Result<ControlMessage, ControlClientError>? in
                if let early = state.earlyAnswer { return .success(early) }
                if let ended = state.ended { return .failure(ended) }
                state.helloWaiter = continuation
                return nil
            }
            if let outcome {
                continuation.resume(with: outcome.mapError { $0 as any Error })
                return
            }
            // A failed write means the daemon hung up; the reader delivers its last words
            // (e.g. a permission refusal) and then the end of stream, so it answers the waiter.
            _ = write(bytes)
        }
    }

    /// Sends `message` under a fresh id and waits for the answer carrying that id.
    func request(_ message: ControlMessage, timeout seconds: Double) async throws -> ControlMessage {
        var message = message
        let id = state.withLock { state in
            state.nextId += 1
            return state.nextId
        }
        message.id = id
        let bytes = try ControlFraming.encode(message)
        let timer = Task { [self] in
            try await Task.sleep(for: .seconds(seconds))
            resolve(id, with: .failure(ControlClientError.timeout(seconds: seconds)))
        }
        defer { timer.cancel() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let refusal = state.withLock { state -> (any Error)? in
                    if let ended = state.ended { return ended }
                    if Task.isCancelled { return CancellationError() }
                    state.pending[id] = continuation
                    return nil
                }
                if let refusal {
                    continuation.resume(throwing: refusal)
                    return
                }
                _ = write(bytes)
            }
        } onCancel: {
            resolve(id, with: .failure(CancellationError()))
        }
    }

    /// Closes the connection; pending requests fail with `.closed`, the event stream finishes.
    /// Idempotent; safe after the reader has closed the descriptor.
    func close() {
        state.withLock { state in
            guard !state.closing, !state.descriptorClosed else { return }
            state.closing = true
            socket.shutdownBoth()
        }
    }

    private func write(_ bytes: [UInt8]) -> Bool {
        writeLock.withLock { _ in
            guard !state.withLock({ $0.descriptorClosed }) else { return false }
            return socket.writeAll(bytes)
        }
    }

    private func resolve(_ id: Int, with result: Result<ControlMessage, any Error>) {
        let waiter = state.withLock { $0.pending.removeValue(forKey: id) }
        waiter?.resume(with: result)
    }

    private func readLoop() {
        var framing = ControlFraming()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var failure: ControlClientError?
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        reading: while let count = socket.read(into: &buffer) {
            let lines: [[UInt8]]
            do {
                lines = try framing.append(buffer[..<count])
            } catch {
                failure = .badReply("a line longer than \(ControlProtocol.maxLineBytes) bytes")
                break reading
            }
            var news: [ControlMessage] = []
            var sawNews = false
            for line in lines where !line.isEmpty {
                // A message this version cannot decode (e.g. a newer kind) is skipped, not fatal.
                guard let message = ControlFraming.decode(line, with: decoder) else { continue }
                sawNews = deliver(message, news: &news) || sawNews
            }
            if !news.isEmpty {
                if let newsSink { newsSink(news) } else { for message in news { push(message) } }
            }
            // A live feed arrives as a trickle of one event per write: reading each on its own
            // costs a `recv` and a consumer wake-up per event. After news, a short pause lets the
            // next ones gather in the socket buffer; a read that filled the buffer means a backlog,
            // so no pause then. Only news starts a pause, so a request/answer conversation
            // without a subscription never waits; with one, an answer waits at most the pause.
            if sawNews, count < buffer.count { usleep(Self.newsPauseMicroseconds) }
        }
        finish(failure)
        // Under both locks: no write or shutdown can race with the number being reused.
        writeLock.withLock { _ in
            state.withLock { state in
                state.descriptorClosed = true
                socket.close()
            }
        }
    }

    /// Routes one message (the consumer's news into `news`, in order); true when it was an
    /// event or a `missed` (which start the reader's pause), false for an answer.
    private func deliver(_ message: ControlMessage, news: inout [ControlMessage]) -> Bool {
        switch message.type {
        case .hello:
            _ = answerHello(message)
            return false
        case .event, .missed:
            news.append(message)
            return true
        default:
            if let id = message.id {
                resolve(id, with: .success(message))
                return false
            }
            // An error without an id answers the hello while none has come (refusals such as
            // permission_denied come before it), else it is news for the consumer.
            if !answerHello(message) { news.append(message) }
            return false
        }
    }

    /// Hands the first hello-phase answer to the handshake (now or when it starts waiting);
    /// false once the hello was already answered.
    private func answerHello(_ message: ControlMessage) -> Bool {
        let (answered, waiter) = state.withLock { state -> (Bool, CheckedContinuation<ControlMessage, any Error>?) in
            guard !state.helloAnswered else { return (false, nil) }
            state.helloAnswered = true
            defer { state.helloWaiter = nil }
            if state.helloWaiter == nil { state.earlyAnswer = message }
            return (true, state.helloWaiter)
        }
        waiter?.resume(returning: message)
        return answered
    }

    private func push(_ message: ControlMessage) {
        if case .dropped = eventSink.yield(message) {
            state.withLock { $0.droppedLocally += 1 }
        }
    }

    private func finish(_ failure: ControlClientError?) {
        let (pending, hello, reason) = state.withLock { state in
            let reason = failure ?? (state.closing ? .closed : .daemonWentAway)
            state.ended = reason
            defer {
                state.pending = [:]
                state.helloWaiter = nil
            }
            return (state.pending, state.helloWaiter, reason)
        }
        hello?.resume(throwing: reason)
        for waiter in pending.values { waiter.resume(throwing: reason) }
        eventSink.finish()
    }
}
