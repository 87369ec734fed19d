import AAMCore
import Foundation
import Testing

private let t0 = Date(timeIntervalSince1970: 1_800_000_000)
private func at(_ seconds: TimeInterval) -> Date { t0.addingTimeInterval(seconds) }

/// Window 10 s in 1 s buckets, at least 5 outcomes, 50 %, backoff 5 s doubling to 20 s.
private let policy = HealthPolicy(
    windowSeconds: 10, windowBuckets: 10, minimumRequests: 5, failureRatio: 0.5, openBackoffSeconds: 5,
    backoffMultiplier: 2, maximumOpenBackoffSeconds: 20, credentialRecheckSeconds: 600, defaultRateLimitCooldownSeconds: 3,
    maximumRateLimitCooldownSeconds: 900, probeLeaseSeconds: 60)

private func machine() -> DeploymentHealth { DeploymentHealth(deploymentID: "gpt-east", policy: policy) }

private func rateLimited(_ headers: [String: String], at date: Date) -> UpstreamOutcome {
    UpstreamOutcome.classify(status: 429, receivedAt: date) { headers[$0] }
}

/// Opens the breaker with five 500s at `time`.
private func trip(_ health: inout DeploymentHealth, at time: Date) {
    for _ in 0..<5 { _ = health.record(outcome: .serverError(status: 500), at: time) }
    #expect(health.state.name == .open)
}

@Suite("DeploymentHealth state machine")
struct HealthStateMachineTests {
    @Test("a 429 with retry-after: 2 cools exactly 2 s")
    func retryAfterCoolsExactly() throws {
        var health = machine()
        let transitionResult = health.record(outcome: rateLimited(["retry-after": "2"], at: at(0)), at: at(0))
        let transition = try #require(transitionResult)
        #expect(transition == HealthTransition(
            deploymentID: "gpt-east", from: .closed, to: .coolingDown, reason: .rateLimited, at: at(0), until: at(2)))
        #expect(health.snapshot(at: at(0.5)).remainingCooldownSeconds == 1.5)
        #expect(health.snapshot(at: at(0.5)).reason == .rateLimited)
        #expect(!health.isAvailable(at: at(1.999)))
        #expect(health.admit(at: at(1.999)).verdict == .refused(.rateLimited(until: at(2))))
        #expect(health.isAvailable(at: at(2.0)))
        let admitted = health.admit(at: at(2.0))
        #expect(admitted.verdict == .admitted)
        #expect(admitted.transition?.from == .coolingDown)
        #expect(admitted.transition?.to == .closed)
        #expect(admitted.transition?.reason == .cooldownElapsed)
    }

    @Test("OpenAI reset durations set the cooldown", arguments: [("6m0s", 360.0), ("1s", 1), ("250ms", 0.25)])
    func openAIResetFormats(reset: String, seconds: TimeInterval) {
        var health = machine()
        let outcome = rateLimited(["x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": reset], at: at(0))
        #expect(health.record(outcome: outcome, at: at(0))?.until == at(seconds))
        #expect(!health.isAvailable(at: at(seconds).addingTimeInterval(-0.001)))
        #expect(health.isAvailable(at: at(seconds)))
    }

    @Test("a 429 without hints uses the default cooldown; absurd hints are capped; a past reset does not cool")
    func cooldownBounds() {
        var silent = machine()
        #expect(silent.record(outcome: .rateLimited(retryAt: nil), at: at(0))?.until == at(3))
        var absurd = machine()
        #expect(absurd.record(outcome: rateLimited(["retry-after": "86400"], at: at(0)), at: at(0))?.until == at(900))
        var past = machine()
        #expect(past.record(outcome: rateLimited(["retry-after": "0"], at: at(0)), at: at(0)) == nil)
        #expect(past.state == .closed)
    }

    @Test("a later 429 while cooling down lengthens the cooldown, an earlier one does not shorten it")
    func cooldownExtends() {
        var health = machine()
        _ = health.record(outcome: .rateLimited(retryAt: at(5)), at: at(0))
        #expect(health.record(outcome: .rateLimited(retryAt: at(2)), at: at(1)) == nil)
        #expect(health.state == .coolingDown(until: at(5)))
        _ = health.record(outcome: .rateLimited(retryAt: at(8)), at: at(1))
        #expect(health.state == .coolingDown(until: at(8)))
    }

    @Test("repeated 500s open the breaker only past the minimum requests")
    func minimumRequests() throws {
        var health = machine()
        for second in 0..<4 {
            #expect(health.record(outcome: .serverError(status: 500), at: at(Double(second) * 0.1)) == nil)
        }
        #expect(health.state == .closed)
        #expect(health.snapshot(at: at(0.5)).errorRate == 1)
        let transitionResult = health.record(outcome: .serverError(status: 500), at: at(0.5))
        let transition = try #require(transitionResult)
        #expect(transition.from == .closed && transition.to == .open && transition.reason == .failureRatio)
        #expect(transition.until == at(5.5))
        #expect(health.admit(at: at(1)).verdict == .refused(.open(until: at(5.5))))
    }

    @Test("failures open the breaker only once they reach the ratio")
    func failureRatio() {
        var health = machine()
        for _ in 0..<6 { _ = health.record(outcome: .success, at: at(0)) }
        for _ in 0..<5 { _ = health.record(outcome: .timeout, at: at(1)) }  // 5 / 11
        #expect(health.state == .closed)
        let transition = health.record(outcome: .connectionError, at: at(1))  // 6 / 12 = 50 %
        #expect(transition?.to == .open)
        #expect(health.snapshot(at: at(1)).errorRate == 0.5)
    }

    @Test("400-class request errors never trip, however many")
    func requestErrorsNeverTrip() {
        var health = machine()
        for _ in 0..<100 {
            #expect(health.record(outcome: .requestError(status: 400), at: at(0)) == nil)
            #expect(health.record(outcome: .requestError(status: 404), at: at(0)) == nil)
        }
        for _ in 0..<4 { _ = health.record(outcome: .serverError(status: 502), at: at(0)) }
        #expect(health.state == .closed)
        let snapshot = health.snapshot(at: at(0))
        #expect(snapshot.requestsInWindow == 4 && snapshot.failuresInWindow == 4)
    }

    @Test("failures outside the rolling window are forgotten")
    func rollingWindow() {
        var forgotten = machine()
        for _ in 0..<4 { _ = forgotten.record(outcome: .serverError(status: 500), at: at(0)) }
        #expect(forgotten.snapshot(at: at(9.999)).failuresInWindow == 4)
        #expect(forgotten.snapshot(at: at(10)).failuresInWindow == 0)
        #expect(forgotten.record(outcome: .serverError(status: 500), at: at(10)) == nil)
        #expect(forgotten.state == .closed)

        var remembered = machine()
        for _ in 0..<4 { _ = remembered.record(outcome: .serverError(status: 500), at: at(0)) }
        #expect(remembered.record(outcome: .serverError(status: 500), at: at(9.999))?.to == .open)
    }

    @Test("401 marks the credential invalid and raises an operator event once")
    func credentialRejected() throws {
        var health = machine()
        let transitionResult = health.record(outcome: .credentialRejected(status: 401), at: at(0))
        let transition = try #require(transitionResult)
        #expect(transition.to == .credentialInvalid && transition.reason == .credentialInvalid)
        #expect(transition.operatorEvent == .credentialRejected(status: 401))
        #expect(transition.until == at(600))
        #expect(health.admit(at: at(599)).verdict == .refused(.credentialInvalid(recheckAt: at(600))))
        #expect(health.record(outcome: .credentialRejected(status: 403), at: at(1)) == nil)  // no repeat alert
        let replacedResult = health.credentialReplaced(at: at(30))
        let replaced = try #require(replacedResult)
        #expect(replaced.from == .credentialInvalid && replaced.to == .closed && replaced.reason == .credentialReplaced)
        #expect(replaced.operatorEvent == nil)
        #expect(health.admit(at: at(30)).verdict == .admitted)
    }

    @Test("a 403 while the breaker is open still alerts; the long recheck probes once")
    func credentialRecheck() {
        var health = machine()
        trip(&health, at: at(0))
        #expect(health.record(outcome: .credentialRejected(status: 403), at: at(1))?.operatorEvent == .credentialRejected(status: 403))
        let probe = health.admit(at: at(601))
        #expect(probe.verdict == .admittedAsProbe)
        #expect(probe.transition?.reason == .recheckDue)
        #expect(health.record(outcome: .credentialRejected(status: 401), at: at(602))?.to == .credentialInvalid)
        #expect(health.credentialReplaced(at: at(603))?.to == .closed)
    }

    @Test("half-open admits exactly one probe; late non-probe answers are ignored; success closes")
    func singleProbe() throws {
        var health = machine()
        trip(&health, at: at(0))
        #expect(!health.isAvailable(at: at(4.999)))
        #expect(health.availability(at: at(5)) == .probeAvailable)
        #expect(health.snapshot(at: at(5)).state == .halfOpen)  // queries see elapsed time
        let probe = health.admit(at: at(5))
        #expect(probe.verdict == .admittedAsProbe)
        #expect(probe.transition?.from == .open && probe.transition?.to == .halfOpen)
        for second in 5..<9 {
            #expect(health.admit(at: at(Double(second))).verdict == .refused(.probeInFlight))
        }
        #expect(health.snapshot(at: at(6)).probeInFlight)
        #expect(health.record(outcome: .success, at: at(6)) == nil)  // admitted before the breaker opened
        #expect(health.admit(at: at(6)).verdict == .refused(.probeInFlight))
        let closedResult = health.record(outcome: .success, at: at(7), isProbe: true)
        let closed = try #require(closedResult)
        #expect(closed.from == .halfOpen && closed.to == .closed && closed.reason == .probeSucceeded)
        #expect(health.admit(at: at(7)).verdict == .admitted)
        #expect(health.snapshot(at: at(7)).requestsInWindow == 0)  // a fresh start
    }

    @Test("each failed probe reopens with double the backoff, up to the cap; success resets it")
    func probeBackoff() {
        var health = machine()
        trip(&health, at: at(0))
        var now: TimeInterval = 5  // the first open period
        for expected in [10.0, 20, 20] {
            #expect(health.admit(at: at(now)).verdict == .admittedAsProbe)
            let reopened = health.record(outcome: .serverError(status: 503), at: at(now), isProbe: true)
            #expect(reopened?.from == .halfOpen && reopened?.to == .open && reopened?.reason == .probeFailed)
            #expect(health.state == .open(reason: .probeFailed, until: at(now + expected), backoff: expected))
            #expect(health.snapshot(at: at(now)).remainingCooldownSeconds == expected)
            #expect(!health.isAvailable(at: at(now + expected - 0.001)))
            now += expected
        }
        #expect(health.admit(at: at(now)).verdict == .admittedAsProbe)
        #expect(health.record(outcome: .success, at: at(now), isProbe: true)?.to == .closed)
        trip(&health, at: at(now))
        #expect(health.state == .open(reason: .failureRatio, until: at(now + 5), backoff: 5))
    }

    @Test("a cancelled probe frees the slot; a lost probe's lease runs out")
    func probeSlotRelease() {
        var health = machine()
        trip(&health, at: at(0))
        #expect(health.admit(at: at(5)).verdict == .admittedAsProbe)
        #expect(health.record(outcome: .cancelled, at: at(6), isProbe: true) == nil)
        #expect(health.admit(at: at(6)).verdict == .admittedAsProbe)
        #expect(health.admit(at: at(65.999)).verdict == .refused(.probeInFlight))
        #expect(health.admit(at: at(66)).verdict == .admittedAsProbe)  // lease of 60 s ran out
    }

    @Test("a 429 or a 400 answering the probe shows the deployment serving")
    func probeAnsweredCoherently() {
        var limited = machine()
        trip(&limited, at: at(0))
        _ = limited.admit(at: at(5))
        let transition = limited.record(outcome: .rateLimited(retryAt: at(7)), at: at(5), isProbe: true)
        #expect(transition?.from == .halfOpen && transition?.to == .coolingDown && transition?.reason == .rateLimited)
        #expect(limited.admit(at: at(7)).verdict == .admitted)

        var rejected = machine()
        trip(&rejected, at: at(0))
        _ = rejected.admit(at: at(5))
        #expect(rejected.record(outcome: .requestError(status: 400), at: at(5), isProbe: true)?.to == .closed)
    }

    @Test("late answers while open change nothing; advance reports elapsed time without a request")
    func lateAnswersAndAdvance() {
        var health = machine()
        trip(&health, at: at(0))
        #expect(health.record(outcome: .success, at: at(1)) == nil)
        #expect(health.record(outcome: .rateLimited(retryAt: at(100)), at: at(1)) == nil)
        #expect(health.state == .open(reason: .failureRatio, until: at(5), backoff: 5))
        #expect(health.advance(at: at(4)) == nil)
        let transition = health.advance(at: at(5))
        #expect(transition?.to == .halfOpen && transition?.reason == .backoffElapsed && transition?.at == at(5))
        #expect(health.advance(at: at(6)) == nil)
    }
}
