import AAMControlProtocol
import Foundation

/// Folding what the daemon says (and what happens to the connection) into the state.
extension ConsoleState {
    /// Absorbs one daemon message. Cheap for events (O(1): ring append, meter bucket, counter),
    /// so thousands per second cost little; the app redraws from `isDirty` at its own pace.
    @discardableResult
    public mutating func apply(_ message: ControlMessage) -> [ConsoleEffect] {
        switch message.type {
        case .event:
            if let event = message.event { absorb(event) }
            return []
        case .missed:
            missedEvents += message.missed ?? 0
            isDirty = true
            return []
        case .hello:
            return greet(message)
        case .result:
            absorbResult(message)
            return [.redraw]
        case .commandResult:
            return finishCommand(id: message.id, result: message.commandResult)
        case .error:
            return fail(id: message.id, error: message.error)
        case .subscribed:
            return []
        case .query, .subscribe, .unsubscribe, .command:
            // Client-to-daemon messages: a daemon never sends these; ignore rather than crash.
            return []
        }
    }

    /// The client finished its handshake (`ControlClient.connect` checked the version): the
    /// console is connected and asks for the live feed and every snapshot.
    public mutating func connected(to daemon: DaemonInfo?) -> [ConsoleEffect] {
        self.daemon = daemon ?? self.daemon
        connection = .connected(daemon)
        isDirty = true
        var effects: [ConsoleEffect] = [.redraw, .send(ControlMessage(type: .subscribe, id: takeMessageId()))]
        effects.append(send(.status))
        for query in ControlQuery.allCases where query != .status { effects.append(send(query)) }
        return effects
    }

    /// The daemon's answer to a message this state asked to send. A client that renumbers ids
    /// on the wire (`ControlClient.request`) hands the reply here so it is matched with the
    /// console's own id (which command it answers, e.g. the rotation whose secret to show).
    public mutating func answer(to request: ControlMessage, with reply: ControlMessage) -> [ConsoleEffect] {
        var reply = reply
        reply.id = request.id
        return apply(reply)
    }

    /// The daemon refused a message this state asked to send (`ControlClientError.remote`), or it
    /// could not be delivered: shown on the status line, matched with the command by id.
    public mutating func requestFailed(_ request: ControlMessage, error: ControlError) -> [ConsoleEffect] {
        apply(.failure(error, id: request.id))
    }

    /// The app is (re)connecting to the socket.
    public mutating func connecting() {
        connection = .connecting
        isDirty = true
    }

    /// The connection dropped; the app will retry at `retryAt`. Commands in flight are lost
    /// with it (the operator is told, and can repeat them once reconnected).
    public mutating func connectionLost(reason: String, retryAt: Date?) {
        connection = .disconnected(reason: reason, retryAt: retryAt)
        if !pendingCommands.isEmpty {
            say("connection lost before \(pendingCommands.count) command(s) were answered; check and repeat", error: true)
        }
        pendingCommands.removeAll()
        isDirty = true
    }

    /// Advances the injected clock: refreshes countdowns and the event rate, and asks for the
    /// current view's snapshot when it is older than `refreshInterval`; a replica of a cluster
    /// also has its `status` re-read as often, for the cluster line of the status bar.
    public mutating func tick(now: Date) -> [ConsoleEffect] {
        let previous = self.now
        self.now = now
        if Int(previous.timeIntervalSinceReferenceDate) != Int(now.timeIntervalSinceReferenceDate) { isDirty = true }
        guard case .connected = connection else { return [] }
        var due: [ControlQuery] = []
        if let query = view.query { due.append(query) }
        if status?.cluster != nil { due.append(.status) }
        var effects: [ConsoleEffect] = []
        for query in due where lastQueried[query].map({ now.timeIntervalSince($0) >= refreshInterval }) ?? true {
            effects.append(send(query))
        }
        return effects
    }

    private mutating func absorb(_ event: ControlEvent) {
        if event.kind == .trend {
            // The daemon's own ticker, not traffic: kept out of the event counts and rate.
            if let trend = event.trend { trends.fold(trend) }
            isDirty = true
            return
        }
        eventsReceived += 1
        meter.record(at: now)
        switch event.kind {
        case .call:
            guard let call = event.call else { return }
            calls.append(call)
            if frozenCalls != nil {
                eventsWhilePaused += 1
            } else {
                keepSelectionOnSameCall(after: call)
            }
        case .guardrailHit:
            guard let hit = event.guardrailHit, var summary = guardrails else { return }
            summary.recent.insert(hit, at: 0)
            if summary.recent.count > Self.recentGuardrailHitsKept { summary.recent.removeLast() }
            if let index = summary.counters.firstIndex(where: { $0.detector == hit.detector && $0.scope == (hit.scope ?? $0.scope) }) {
                summary.counters[index].total += hit.count
                if summary.counters[index].perMinute.isEmpty { summary.counters[index].perMinute = [0] }
                summary.counters[index].perMinute[summary.counters[index].perMinute.count - 1] += hit.count
            }
            guardrails = summary
        case .health:
            guard let health = event.health else { return }
            for index in providers.indices where providers[index].deployment == health.deployment {
                providers[index].state = health.to
                providers[index].reason = health.reason
            }
        case .policyDecision:
            guard let decision = event.policyDecision else { return }
            absorb(decision)
        case .trend:
            break  // folded above
        case .adminChange:
            guard let change = event.adminChange else { return }
            statusMessage = StatusMessage(text: "\(change.actor): \(change.action) \(change.target)", isError: false, at: now)
            lastQueried.removeAll()  // the next tick re-reads the current view
        }
        isDirty = true
    }

    /// A decision goes on top of the recent list and into its agent's counters (the next
    /// `agents` snapshot replaces them with the daemon's own figures).
    private mutating func absorb(_ decision: PolicyDecisionRow) {
        policyDecisions.insert(decision, at: 0)
        if policyDecisions.count > Self.recentPolicyDecisionsKept { policyDecisions.removeLast() }
        guard let index = agents.firstIndex(where: { $0.spiffeId == decision.spiffeId }) else { return }
        if decision.decision == "allow" { agents[index].allowed += 1 } else { agents[index].denied += 1 }
        agents[index].lastDecision = decision
    }

    /// New calls come in on top; a selection below the top stays on the same call.
    private mutating func keepSelectionOnSameCall(after call: CallRow) {
        guard sorts[.live] == nil, var position = positions[.live], position.selected > 0, rowFilter.matches(call) else { return }
        position.selected += 1
        position.offset += 1
        positions[.live] = position
    }

    private mutating func greet(_ message: ControlMessage) -> [ConsoleEffect] {
        guard let hello = message.hello else {
            return fail(id: nil, error: ControlError(code: .badMessage, message: "hello without a version"))
        }
        if let mismatch = hello.incompatibility() {
            connection = .disconnected(reason: mismatch, retryAt: nil)
            say(mismatch, error: true)
            return [.redraw]
        }
        return connected(to: message.daemon)
    }

    private mutating func absorbResult(_ message: ControlMessage) {
        if let status = message.status {
            self.status = status
            daemon = status.daemon
        }
        if let providers = message.providers { self.providers = providers }
        if let spend = message.spend { self.spend = spend }
        if let keys = message.keys { self.keys = keys }
        if let aliases = message.aliases { self.aliases = aliases }
        if let guardrails = message.guardrails { self.guardrails = guardrails }
        if let agents = message.agents { self.agents = agents }
        if let replicas = message.replicas { self.replicas = replicas }
        if let trends = message.trends { self.trends.fold(trends) }
        isDirty = true
    }

    private mutating func finishCommand(id: Int?, result: CommandResult?) -> [ConsoleEffect] {
        let command = id.flatMap { pendingCommands.removeValue(forKey: $0) }
        guard let result else { return [] }
        say(result.message)
        if let secret = result.newSecret {
            overlay = .secret(OneTimeSecret(keyPrefix: result.keyPrefix, secret: secret))
        }
        var effects: [ConsoleEffect] = [.redraw]
        for query in command?.affectedQueries ?? [] { effects.append(send(query)) }
        return effects
    }

    private mutating func fail(id: Int?, error: ControlError?) -> [ConsoleEffect] {
        if let id, id == trendsQueryId, error?.code == .unknownQuery { return [] }  // an older daemon: no trends
        let command = id.flatMap { pendingCommands.removeValue(forKey: $0) }
        let reason = error.map { "\($0.code): \($0.message)" } ?? "unknown error"
        say(command.map { "\($0.summary) failed: \(reason)" } ?? reason, error: true)
        var effects: [ConsoleEffect] = [.redraw]
        // An optimistic edit (weight, fallback order) is undone by re-reading the truth.
        for query in command?.affectedQueries ?? [] { effects.append(send(query)) }
        return effects
    }
}
