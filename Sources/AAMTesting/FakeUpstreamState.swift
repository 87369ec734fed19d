/// The fake's mutable state: recorded requests, scripted behaviours and waiters.
///
/// An actor because requests arrive on NIO threads while tests read and script from their own
/// tasks; one hop per request is cheap next to loopback HTTP (and fast mode skips it).
actor FakeUpstreamState {
    private var nextSequence = 1
    private var recorded: [RecordedRequest] = []
    private var countsByPath: [String: Int] = [:]

    private var queue: [FakeBehaviour] = []
    private var pathQueues: [String: [FakeBehaviour]] = [:]
    private var modelQueues: [String: [FakeBehaviour]] = [:]
    private var defaultBehaviour: FakeBehaviour = .normal
    private var pathBehaviours: [String: FakeBehaviour] = [:]
    private var modelBehaviours: [String: FakeBehaviour] = [:]

    private struct Waiter {
        var count: Int
        var path: String?
        var continuation: CheckedContinuation<Bool, Never>
    }
    private var waiters: [Int: Waiter] = [:]
    private var nextWaiterID = 0
    private var stopped = false
    /// How far the fake's clock is from the host's (Bedrock's SigV4 time check).
    private(set) var clockOffsetSeconds: Double = 0

    func setClockOffset(_ seconds: Double) { clockOffsetSeconds = seconds }

    /// Responses API: stored response id -> how many turns its conversation holds.
    private var storedResponses: [String: Int] = [:]

    func storedTurns(of responseID: String) -> Int? { storedResponses[responseID] }
    func storeResponse(_ responseID: String, turns: Int) { storedResponses[responseID] = turns }

    // MARK: Admission

    /// Records a request and picks its behaviour.
    ///
    /// - Parameter consumeBehaviour: false when the request is refused before the behaviour
    ///   matters (bad key), so a scripted fault is not wasted on it.
    /// - Returns: the request's sequence number and behaviour, most specific first: the model's
    ///   queue, the path's queue, the global queue, then the sticky model, path and default
    ///   behaviours.
    func admit(_ request: RecordedRequestDraft, consumeBehaviour: Bool) -> (sequence: Int, behaviour: FakeBehaviour) {
        let sequence = nextSequence
        nextSequence += 1
        recorded.append(request.finished(sequence: sequence))
        countsByPath[request.path, default: 0] += 1
        resumeSatisfiedWaiters()
        guard consumeBehaviour else { return (sequence, .normal) }
        return (sequence, takeBehaviour(path: request.path, model: request.model))
    }

    /// A sequence number for a request that is not recorded (fast mode's non-chat routes).
    func nextUnrecordedSequence() -> Int {
        defer { nextSequence += 1 }
        return nextSequence
    }

    private func takeBehaviour(path: String, model: String?) -> FakeBehaviour {
        if let model, var scripted = modelQueues[model], !scripted.isEmpty {
            let next = scripted.removeFirst()
            modelQueues[model] = scripted
            return next
        }
        if var scripted = pathQueues[path], !scripted.isEmpty {
            let next = scripted.removeFirst()
            pathQueues[path] = scripted
            return next
        }
        if !queue.isEmpty { return queue.removeFirst() }
        if let model, let sticky = modelBehaviours[model] { return sticky }
        if let sticky = pathBehaviours[path] { return sticky }
        return defaultBehaviour
    }

    // MARK: Scripting

    func enqueue(_ behaviours: [FakeBehaviour], path: String?, model: String?) {
        if let model {
            modelQueues[model, default: []].append(contentsOf: behaviours)
        } else if let path {
            pathQueues[path, default: []].append(contentsOf: behaviours)
        } else {
            queue.append(contentsOf: behaviours)
        }
    }

    func setDefault(_ behaviour: FakeBehaviour) { defaultBehaviour = behaviour }
    func set(_ behaviour: FakeBehaviour?, path: String) { pathBehaviours[path] = behaviour }
    func set(_ behaviour: FakeBehaviour?, model: String) { modelBehaviours[model] = behaviour }

    var pendingScriptedCount: Int {
        queue.count + pathQueues.values.reduce(0) { $0 + $1.count } + modelQueues.values.reduce(0) { $0 + $1.count }
    }

    /// Drops scripts, sticky behaviours and recordings (sequence numbers keep counting).
    func reset() {
        recorded = []
        countsByPath = [:]
        queue = []
        pathQueues = [:]
        modelQueues = [:]
        defaultBehaviour = .normal
        pathBehaviours = [:]
        modelBehaviours = [:]
    }

    // MARK: Reading

    var requests: [RecordedRequest] { recorded }

    func count(path: String?) -> Int {
        guard let path else { return recorded.count }
        return countsByPath[path, default: 0]
    }

    // MARK: Waiting

    /// Suspends until `count` requests (to `path`, if given) have been recorded; false when the
    /// fake stopped or the waiting task was cancelled first.
    func waitForRequests(count: Int, path: String?) async -> Bool {
        if self.count(path: path) >= count { return true }
        if stopped { return false }
        let id = nextWaiterID
        nextWaiterID += 1
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if Task.isCancelled {
                    continuation.resume(returning: false)
                } else {
                    waiters[id] = Waiter(count: count, path: path, continuation: continuation)
                }
            }
        } onCancel: {
            Task { await self.cancelWaiter(id) }
        }
    }

    private func cancelWaiter(_ id: Int) {
        waiters.removeValue(forKey: id)?.continuation.resume(returning: false)
    }

    private func resumeSatisfiedWaiters() {
        for (id, waiter) in waiters where count(path: waiter.path) >= waiter.count {
            waiters.removeValue(forKey: id)
            waiter.continuation.resume(returning: true)
        }
    }

    /// Releases every waiter; called once the server is down so no test awaits forever.
    func markStopped() {
        stopped = true
        let pending = waiters.values
        waiters = [:]
        for waiter in pending { waiter.continuation.resume(returning: false) }
    }
}

/// A request read off the wire, before the state gives it a sequence number.
struct RecordedRequestDraft: Sendable {
    var method: String
    var path: String
    var query: String?
    var headers: [RecordedRequest.Header]
    var body: [UInt8]
    var model: String?

    func finished(sequence: Int) -> RecordedRequest {
        RecordedRequest(
            sequence: sequence, method: method, path: path, query: query,
            headers: headers, body: body, model: model
        )
    }
}
