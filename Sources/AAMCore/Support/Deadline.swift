import Synchronization

/// Runs `body` with a time limit and returns nil when the limit passes first, without waiting
/// for `body` to notice: a query stuck on an unreachable server (the pool waits up to a minute
/// before it gives up) must not stall the caller, e.g. a shutdown flush. The abandoned work
/// is cancelled and ends on its own when its connection does. (Used by the Postgres store and
/// the MCP gateway's upstream exchanges.)
public func withDeadline<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T? {
    let gate = ResumeOnce<T?>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T?, any Error>) in
            gate.install(continuation)
            let work = Task {
                do { gate.resume(.success(try await body())) } catch { gate.resume(.failure(error)) }
            }
            let timer = Task {
                try? await Task.sleep(for: limit)
                if !Task.isCancelled, gate.resume(.success(nil)) { work.cancel() }
            }
            gate.onFinish { timer.cancel() }
            gate.onCancel { work.cancel() }
        }
    } onCancel: {
        gate.cancel()
    }
}

/// Resumes a continuation exactly once, from whichever of work, timer or cancellation comes first.
private final class ResumeOnce<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var pending: Result<T, any Error>?
        var finished = false
        var cancelled = false
        var finishActions: [@Sendable () -> Void] = []
        var cancelActions: [@Sendable () -> Void] = []
    }

    private let state = Mutex(State())

    func install(_ continuation: CheckedContinuation<T, any Error>) {
        let pending: Result<T, any Error>? = state.withLock { state in
            if let pending = state.pending { return pending }
            state.continuation = continuation
            return nil
        }
        if let pending { continuation.resume(with: pending) }
    }

    /// True when this call resumed the continuation (the first outcome wins).
    @discardableResult
    func resume(_ result: Result<T, any Error>) -> Bool {
        typealias Outcome = (continuation: CheckedContinuation<T, any Error>?, actions: [@Sendable () -> Void])
        let outcome: Outcome? = state.withLock { state in
            guard !state.finished else { return nil }
            state.finished = true
            let actions = state.finishActions
            state.finishActions = []
            let continuation = state.continuation
            state.continuation = nil
            if continuation == nil { state.pending = result }
            return (continuation, actions)
        }
        guard let outcome else { return false }
        outcome.continuation?.resume(with: result)
        for action in outcome.actions { action() }
        return true
    }

    func onFinish(_ action: @escaping @Sendable () -> Void) {
        let runNow = state.withLock { state in
            if state.finished { return true }
            state.finishActions.append(action)
            return false
        }
        if runNow { action() }
    }

    func onCancel(_ action: @escaping @Sendable () -> Void) {
        let runNow = state.withLock { state in
            if state.cancelled { return true }
            state.cancelActions.append(action)
            return false
        }
        if runNow { action() }
    }

    func cancel() {
        let actions = state.withLock { state in
            state.cancelled = true
            defer { state.cancelActions = [] }
            return state.cancelActions
        }
        for action in actions { action() }
        resume(.failure(CancellationError()))
    }
}
