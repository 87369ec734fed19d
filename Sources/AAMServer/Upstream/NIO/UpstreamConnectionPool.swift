import NIOCore
import Synchronization

/// The keep-alive connections to one vendor endpoint: at most `limit` open (connecting, busy
/// or idle), idle ones reused last-in first-out (so surplus connections age out) and preferably
/// on the caller's event loop, and callers over the limit queued in arrival order until a
/// connection is free or closes.
final class UpstreamConnectionPool: Sendable {
    struct Lease: Sendable {
        let connection: UpstreamConnection
        /// Taken from the pool (it served an earlier request), as opposed to opened for this one.
        let reused: Bool
    }

    /// Why a waiter stopped waiting.
    private enum GiveUp: Sendable {
        case timeout, cancelled

        var error: any Error { self == .timeout ? UpstreamFailure.timeout : CancellationError() }
    }

    private enum Grant: Sendable {
        case connection(UpstreamConnection)
        /// A slot freed up: open a new connection.
        case connect
    }

    private struct State {
        var idle: [UpstreamConnection] = []
        var all: [Int: UpstreamConnection] = [:]
        /// Connections counted against the limit, those still connecting included.
        var open = 0
        var nextConnectionID = 0
        var waiters: [(id: Int, continuation: CheckedContinuation<Grant, any Error>)] = []
        var nextWaiterID = 0
        /// Waiters whose timeout or cancellation came before they were queued.
        var abandonedEarly: [Int: GiveUp] = [:]
        var pendingWaiters: Set<Int> = []
        var shutDown = false
    }

    let endpoint: UpstreamEndpoint
    let limit: Int
    private let connector: UpstreamConnector
    private let state = Mutex(State())

    init(endpoint: UpstreamEndpoint, limit: Int, connector: UpstreamConnector) {
        self.endpoint = endpoint
        self.limit = max(1, limit)
        self.connector = connector
    }

    /// Open connections (busy, idle or connecting), for tests and metrics.
    var openConnections: Int { state.withLock { $0.open } }
    var idleConnections: Int { state.withLock { $0.idle.count } }

    /// A connection for one exchange: an idle one unless `fresh`, else a new one, else the
    /// first one to come free before `deadline`.
    func lease(deadline: NIODeadline, fresh: Bool = false) async throws -> Lease {
        enum Step { case reuse(UpstreamConnection), connect, wait }
        let step: Step = try state.withLock { state in
            if state.shutDown { throw UpstreamFailure.connect("the upstream client is shut down") }
            if !fresh {
                // One on the caller's event loop first (aamd runs its tasks on the event loops):
                // the exchange then needs no thread hop at all.
                if let index = state.idle.lastIndex(where: { $0.channel.eventLoop.inEventLoop }) {
                    let connection = state.idle.remove(at: index)
                    if connection.channel.isActive { return .reuse(connection) }
                }
                while let connection = state.idle.popLast() {
                    // A closed one is counted down by its close callback.
                    if connection.channel.isActive { return .reuse(connection) }
                }
            }
            if state.open < limit {
                state.open += 1
                return .connect
            }
            return .wait
        }
        switch step {
        case .reuse(let connection): return Lease(connection: connection, reused: true)
        case .connect: return Lease(connection: try await connect(deadline: deadline), reused: false)
        case .wait:
            switch try await wait(deadline: deadline) {
            case .connection(let connection): return Lease(connection: connection, reused: true)
            case .connect: return Lease(connection: try await connect(deadline: deadline), reused: false)
            }
        }
    }

    /// Opens a connection in a slot already counted in `open`.
    private func connect(deadline: NIODeadline) async throws -> UpstreamConnection {
        let id = state.withLock { state in
            state.nextConnectionID += 1
            return state.nextConnectionID
        }
        let connection: UpstreamConnection
        do {
            connection = try await connector.connect(to: endpoint, id: id, deadline: deadline) { [weak self] in self?.release(id) }
        } catch {
            slotFreed()
            throw error
        }
        let registered = state.withLock { state in
            guard !state.shutDown else { return false }
            state.all[id] = connection
            return true
        }
        guard registered else {
            connection.close()
            slotFreed()
            throw UpstreamFailure.connect("the upstream client is shut down")
        }
        connection.channel.closeFuture.whenComplete { [weak self] _ in self?.closed(id) }
        return connection
    }

    /// Called by the connection's handler once an answer was read to its end on a keep-alive
    /// connection: handed to the first waiter, else kept idle.
    private func release(_ id: Int) {
        let waiter: (CheckedContinuation<Grant, any Error>, UpstreamConnection)? = state.withLock { state in
            guard let connection = state.all[id] else { return nil }
            if state.shutDown {
                connection.close()
                return nil
            }
            if !state.waiters.isEmpty {
                let waiter = state.waiters.removeFirst()
                state.pendingWaiters.remove(waiter.id)
                return (waiter.continuation, connection)
            }
            state.idle.append(connection)
            return nil
        }
        if let (continuation, connection) = waiter { continuation.resume(returning: .connection(connection)) }
    }

    private func closed(_ id: Int) {
        state.withLock { state in
            state.all[id] = nil
            state.idle.removeAll { $0.id == id }
        }
        slotFreed()
    }

    /// One slot fewer in use: the first waiter, if any, gets it to open a connection.
    private func slotFreed() {
        let continuation: CheckedContinuation<Grant, any Error>? = state.withLock { state in
            if !state.shutDown, !state.waiters.isEmpty {
                let waiter = state.waiters.removeFirst()
                state.pendingWaiters.remove(waiter.id)
                return waiter.continuation
            }
            state.open -= 1
            return nil
        }
        continuation?.resume(returning: .connect)
    }

    private func wait(deadline: NIODeadline) async throws -> Grant {
        let id = state.withLock { state in
            state.nextWaiterID += 1
            state.pendingWaiters.insert(state.nextWaiterID)
            return state.nextWaiterID
        }
        let timer = connector.group.any().scheduleTask(deadline: deadline) { [weak self] in self?.abandon(id, .timeout) }
        defer { timer.cancel() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Grant, any Error>) in
                let early: GiveUp? = state.withLock { state in
                    if let reason = state.abandonedEarly.removeValue(forKey: id) {
                        state.pendingWaiters.remove(id)
                        return reason
                    }
                    state.waiters.append((id, continuation))
                    return nil
                }
                if let early { continuation.resume(throwing: early.error) }
            }
        } onCancel: {
            abandon(id, .cancelled)
        }
    }

    /// A waiter gave up (timeout or cancellation), whether or not it is queued yet.
    private func abandon(_ id: Int, _ reason: GiveUp) {
        let continuation: CheckedContinuation<Grant, any Error>? = state.withLock { state in
            if let index = state.waiters.firstIndex(where: { $0.id == id }) {
                state.pendingWaiters.remove(id)
                return state.waiters.remove(at: index).continuation
            }
            if state.pendingWaiters.contains(id) { state.abandonedEarly[id] = reason }
            return nil
        }
        continuation?.resume(throwing: reason.error)
    }

    /// Closes every connection and fails every waiter.
    func shutdown() {
        let (connections, waiters) = state.withLock { state in
            state.shutDown = true
            defer {
                state.waiters = []
                state.idle = []
            }
            return (Array(state.all.values), state.waiters)
        }
        for waiter in waiters { waiter.continuation.resume(throwing: UpstreamFailure.connect("the upstream client is shut down")) }
        for connection in connections { connection.close() }
    }
}
