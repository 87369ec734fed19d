import AAMControlProtocol
import Foundation
import Testing
@testable import AAMConsole

/// Daemon messages folded into the state, with the injected clock.
@Suite("Folding daemon messages into the state")
struct MessageFoldingTests {
    func queries(_ effects: [ConsoleEffect]) -> [ControlQuery] {
        effects.compactMap { if case .send(let message) = $0 { message.query } else { nil } }
    }

    @Test("the daemon's hello connects, subscribes and asks for every snapshot, each with a fresh id")
    func hello() {
        var state = ConsoleState(now: Fixtures.now)
        #expect(state.connection == .connecting)
        let effects = state.apply(.hello(ControlHello(peer: "aamd 0.7.0"), daemon: Fixtures.daemon))
        #expect(state.connection == .connected(Fixtures.daemon))
        let messages = effects.compactMap { if case .send(let message) = $0 { message } else { nil } }
        #expect(messages.first?.type == .subscribe)
        #expect(Set(queries(effects)) == Set(ControlQuery.allCases))
        #expect(Set(messages.compactMap(\.id)).count == messages.count)
    }

    @Test("with a client that renumbers ids, answer(to:with:) still matches the reply with the command")
    func renumberedReply() throws {
        var state = Fixtures.state(view: .keys)
        #expect(Set(queries(state.connected(to: Fixtures.daemon))) == Set(ControlQuery.allCases))
        _ = state.handle(key: .character("r"))
        let effects = state.handle(key: .enter)
        guard case .send(let request)? = effects.last else { Issue.record("nothing sent"); return }
        var reply = ControlMessage(type: .commandResult, id: 77)  // the wire id
        reply.commandResult = CommandResult(message: "rotated", newSecret: "aam_k_secret", keyPrefix: "aam_k_sec")
        _ = state.answer(to: request, with: reply)
        #expect(state.overlay == .secret(OneTimeSecret(keyPrefix: "aam_k_sec", secret: "aam_k_secret")))
        _ = state.handle(key: .escape)
        _ = state.handle(key: .character("x"))
        guard case .send(let revoke)? = state.handle(key: .character("y")).last else { Issue.record("nothing sent"); return }
        _ = state.requestFailed(revoke, error: ControlError(code: .notFound, message: "no key k1"))
        #expect(state.statusMessage?.text == "revoke key failed: not_found: no key k1")
    }

    @Test("a protocol version mismatch disconnects without retrying and says why")
    func mismatch() {
        var state = ConsoleState(now: Fixtures.now)
        let effects = state.apply(.hello(ControlHello(protocolVersion: 99, peer: "aamd 9.0"), daemon: Fixtures.daemon))
        #expect(effects == [.redraw])
        let reason = "control protocol mismatch: this side speaks v1, the peer (aamd 9.0) speaks v99"
        #expect(state.connection == .disconnected(reason: reason, retryAt: nil))
        #expect(state.statusMessage?.isError == true)
    }

    @Test("results replace the snapshot they carry and leave the others alone")
    func results() {
        var state = Fixtures.state()
        var message = ControlMessage(type: .result, id: 4)
        message.keys = [Fixtures.keys[0]]
        state.apply(message)
        #expect(state.keys == [Fixtures.keys[0]])
        #expect(state.providers == Fixtures.providers)
    }

    @Test("missed events add up and show on the status line")
    func missed() {
        var state = Fixtures.state()
        var message = ControlMessage(type: .missed)
        message.missed = 120
        state.apply(message)
        message.missed = 30
        state.apply(message)
        #expect(state.missedEvents == 150)
        #expect(ConsoleRenderer.render(state).lines[28].contains("missed 150 events"))
    }

    @Test("health events update the provider row; guardrail events update counters and recent hits")
    func patches() {
        var state = Fixtures.state()
        state.apply(.event(ControlEvent(kind: .health, health: HealthRow(time: Fixtures.now, deployment: "openai-east",
                                                                               from: "closed", to: "open", reason: "429 storm"))))
        #expect(state.providers[0].state == "open" && state.providers[0].reason == "429 storm")
        let hit = GuardrailHitRow(time: Fixtures.now, requestId: "req-x", detector: "email", direction: "request", action: "redact",
                                  count: 3, scope: "org:acme")
        state.apply(.event(ControlEvent(kind: .guardrailHit, guardrailHit: hit)))
        #expect(state.guardrails?.recent.first == hit)
        #expect(state.guardrails?.counters[0].total == 1237)
        #expect(state.guardrails?.counters[0].perMinute.last == Fixtures.guardrails.counters[0].perMinute.last! + 3)
        #expect(state.eventsReceived == 2)
    }

    @Test("tick refreshes the current view's snapshot every refreshInterval while connected")
    func refresh() {
        var state = Fixtures.state(view: .providers)
        #expect(queries(state.tick(now: Fixtures.now)) == [.providers])
        #expect(state.tick(now: Fixtures.now.addingTimeInterval(1)).isEmpty)
        #expect(queries(state.tick(now: Fixtures.now.addingTimeInterval(2))) == [.providers])
        _ = state.handle(key: .character("1"))
        #expect(state.tick(now: Fixtures.now.addingTimeInterval(9)).isEmpty)  // Live is fed by events
        state.connectionLost(reason: "gone", retryAt: nil)
        _ = state.handle(key: .character("5"))
        #expect(state.tick(now: Fixtures.now.addingTimeInterval(20)).isEmpty)
    }

    @Test("an admin change is shown and makes the next tick re-read the view")
    func adminChange() {
        var state = Fixtures.state(view: .keys)
        _ = state.tick(now: Fixtures.now)
        state.apply(.event(ControlEvent(kind: .adminChange, adminChange: AdminChangeRow(time: Fixtures.now, actor: "alice",
                                                                                         action: "revoked", target: "key k3"))))
        #expect(state.statusMessage?.text == "alice: revoked key k3")
        #expect(queries(state.tick(now: Fixtures.now.addingTimeInterval(0.5))) == [.keys])
    }

    @Test("the event rate is events per second over the sliding window of the injected clock")
    func rate() {
        var state = ConsoleState(now: Fixtures.now)
        // 2,000 events/s for 5 s, in 10 ms steps.
        for step in 0..<500 {
            state.now = Fixtures.now.addingTimeInterval(Double(step) * 0.01)
            for index in 0..<20 { state.apply(Fixtures.eventMessage(Fixtures.call(index))) }
        }
        state.now = Fixtures.now.addingTimeInterval(4.999)
        #expect(abs(state.eventRate - 2000) < 100)
        #expect(ConsoleRenderer.render(state, into: .minimum).lines[22].contains("2.0k ev/s"))
        state.now = Fixtures.now.addingTimeInterval(7)  // 2 s of silence: about half the window
        #expect(abs(state.eventRate - 1000) < 150)
        state.now = Fixtures.now.addingTimeInterval(60)
        #expect(state.eventRate == 0)
    }

    @Test("the meter's own arithmetic: buckets, window, clock steps backwards")
    func meter() {
        var meter = EventRateMeter(window: 1, bucketSeconds: 0.25)
        let start = Date(timeIntervalSinceReferenceDate: 1000)
        meter.record(10, at: start)
        meter.record(10, at: start.addingTimeInterval(0.5))
        meter.record(5, at: start.addingTimeInterval(0.2))  // earlier than the latest: counts into the current bucket
        // 25 events over the 0.99 s elapsed in the window.
        #expect(abs(meter.rate(at: start.addingTimeInterval(0.99)) - 25 / 0.99) < 1e-9)
        // At 1.3 s the first bucket (10) slid out; the late 5 counted with the 0.5 s bucket: 15 over 0.8 s.
        #expect(abs(meter.rate(at: start.addingTimeInterval(1.3)) - 15 / 0.8) < 1e-9)
        #expect(meter.rate(at: start.addingTimeInterval(3)) == 0)
    }
}
