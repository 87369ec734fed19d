import Synchronization

/// A first-come, first-served async mutex for admin-path work that must not interleave across
/// awaits (actor methods are re-entrant at every `await`).
///
/// `release()` is synchronous so that it can run in a `defer`. Never used on the request path.
final class SerialGate: Sendable {
    private struct State {
        var busy = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    init() {}

    /// Waits until every earlier holder has released, then holds the gate.
    func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let granted = state.withLock { state -> Bool in
                if state.busy {
                    state.waiters.append(continuation)
                    return false
                }
                state.busy = true
                return true
            }
            if granted { continuation.resume() }
        }
    }

    /// How many are waiting (tests observe a change queued behind another).
    var waiting: Int { state.withLock { $0.waiters.count } }

    /// Hands the gate to the longest waiter, or frees it.
    func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.waiters.isEmpty else {
                state.busy = false
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}
