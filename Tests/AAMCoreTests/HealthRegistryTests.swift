import AAMCore
import Foundation
import Testing

private let policy = HealthPolicy(windowSeconds: 10, minimumRequests: 2, failureRatio: 0.5, openBackoffSeconds: 5)

private func admitted(_ admission: AttemptAdmission) -> AttemptTicket? {
    if case .admitted(let ticket, _) = admission { return ticket }
    return nil
}

@Suite("HealthRegistry")
struct HealthRegistryTests {
    @Test("retry-after: 2 on the manual clock: unavailable at +1.999 s, available at +2 s")
    func retryAfterWithManualClock() throws {
        let clock = ManualClock()
        let registry = HealthRegistry(policy: policy)
        let ticket = try #require(admitted(registry.begin("d1", at: clock.now())))
        let outcome = UpstreamOutcome.classify(status: 429, receivedAt: clock.now()) { $0 == "retry-after" ? "2" : nil }
        let transition = registry.finish(ticket, outcome: outcome, at: clock.now())
        #expect(transition?.to == .coolingDown)
        clock.advance(by: 1.999)
        #expect(!registry.isAvailable("d1", at: clock.now()))
        #expect(registry.begin("d1", at: clock.now()) == .refused(.rateLimited(until: ticket.startedAt.addingTimeInterval(2))))
        #expect(registry.snapshot("d1", at: clock.now()).remainingCooldownSeconds < 0.0011)
        clock.advance(by: 0.001)
        #expect(registry.isAvailable("d1", at: clock.now()))
        guard case .admitted(_, let reopened) = registry.begin("d1", at: clock.now()) else {
            Issue.record("not admitted")
            return
        }
        #expect(reopened?.to == .closed && reopened?.reason == .cooldownElapsed)
    }

    @Test("begin and finish count attempts in flight; a refusal counts nothing")
    func inFlight() throws {
        let registry = HealthRegistry(policy: policy)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(registry.load("d1", at: now) == DeploymentLoad())  // unknown: closed, idle, unmeasured
        let first = try #require(admitted(registry.begin("d1", at: now)))
        let second = try #require(admitted(registry.begin("d1", at: now)))
        #expect(registry.load("d1", at: now).inFlight == 2)
        _ = registry.finish(first, outcome: .serverError(status: 500), at: now)
        _ = registry.finish(second, outcome: .serverError(status: 500), at: now)
        #expect(registry.load("d1", at: now).inFlight == 0)
        #expect(registry.begin("d1", at: now) == .refused(.open(until: now.addingTimeInterval(5))))
        #expect(registry.load("d1", at: now).inFlight == 0)
        _ = registry.finish(first, outcome: .success, at: now)  // a duplicate finish cannot go negative
        #expect(registry.load("d1", at: now).inFlight == 0)
    }

    @Test("latency average: fed by successes and timeouts, never by fast failures")
    func latency() throws {
        let registry = HealthRegistry(latencySmoothing: 0.5)
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        func latency() -> Double { registry.load("d1", at: start).latencySeconds ?? .nan }
        let fast = try #require(admitted(registry.begin("d1", at: start)))
        _ = registry.finish(fast, outcome: .success, at: start.addingTimeInterval(0.2))
        #expect(abs(latency() - 0.2) < 1e-6)  // measured from `begin`; Dates near 2027 resolve ~0.2 µs
        let broken = try #require(admitted(registry.begin("d1", at: start)))
        _ = registry.finish(broken, outcome: .serverError(status: 500), at: start.addingTimeInterval(0.001))
        #expect(abs(latency() - 0.2) < 1e-6)
        let hung = try #require(admitted(registry.begin("d1", at: start)))
        _ = registry.finish(hung, outcome: .timeout, at: start.addingTimeInterval(30), latency: .seconds(1))
        #expect(abs(latency() - 0.6) < 1e-6)  // the explicit latency wins over the elapsed 30 s
        #expect(abs((registry.snapshot("d1", at: start).latencyMilliseconds ?? 0) - 600) < 1e-3)
    }

    @Test("half-open: one ticket is the probe, its success closes the breaker")
    func probeTicket() throws {
        let registry = HealthRegistry(policy: policy)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        for _ in 0..<2 {
            let ticket = try #require(admitted(registry.begin("d1", at: now)))
            _ = registry.finish(ticket, outcome: .connectionError, at: now)
        }
        let later = now.addingTimeInterval(5)
        let probe = try #require(admitted(registry.begin("d1", at: later)))
        #expect(probe.isProbe)
        #expect(registry.begin("d1", at: later) == .refused(.probeInFlight))
        #expect(registry.finish(probe, outcome: .success, at: later)?.to == .closed)
        #expect(admitted(registry.begin("d1", at: later))?.isProbe == false)
    }

    @Test("snapshots, advance, credential replacement and retain")
    func operatorViews() throws {
        let registry = HealthRegistry(policy: policy)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let a = try #require(admitted(registry.begin("a", at: now)))
        let b = try #require(admitted(registry.begin("b", at: now)))
        _ = registry.begin("c", at: now)
        let alert = registry.finish(a, outcome: .credentialRejected(status: 401), at: now)
        #expect(alert?.operatorEvent == .credentialRejected(status: 401))
        _ = registry.finish(b, outcome: .rateLimited(retryAt: now.addingTimeInterval(3)), at: now)
        let views = registry.snapshots(at: now.addingTimeInterval(1))
        #expect(views.map(\.deploymentID) == ["a", "b", "c"])
        #expect(views.map(\.state) == [.credentialInvalid, .coolingDown, .closed])
        #expect(views[1].remainingCooldownSeconds == 2 && views[1].reason == .rateLimited)
        #expect(views[2].inFlight == 1)
        #expect(registry.advance(at: now.addingTimeInterval(2)).isEmpty)
        #expect(registry.advance(at: now.addingTimeInterval(3)).map(\.deploymentID) == ["b"])
        #expect(registry.credentialReplaced("a", at: now.addingTimeInterval(4))?.to == .closed)
        registry.retain(only: ["a"])
        #expect(registry.snapshots(at: now).map(\.deploymentID) == ["a"])
        #expect(registry.finish(b, outcome: .success, at: now) == nil)  // forgotten deployment: ignored
    }

    @Test("concurrent begin/finish from many tasks leaves the books balanced")
    func concurrency() async {
        let registry = HealthRegistry(policy: policy)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    for _ in 0..<2_000 {
                        if case .admitted(let ticket, _) = registry.begin("d\(worker % 2)", at: now) {
                            _ = registry.finish(ticket, outcome: .success, at: now)
                        }
                    }
                }
            }
        }
        #expect(registry.load("d0", at: now).inFlight == 0)
        #expect(registry.snapshot("d1", at: now).requestsInWindow == 8_000)
    }
}
