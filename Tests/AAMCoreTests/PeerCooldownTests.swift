import AAMCore
import Foundation
import Testing

/// A peer replica's 429 (`DeploymentHealth.peerRateLimited`), event by event with explicit times.
@Suite struct PeerCooldownTests {
    let t0 = Date(timeIntervalSince1970: 1_000_000)

    @Test func aClosedDeploymentCoolsDownUntilThePeersResetAndReopensExactlyThen() {
        var health = DeploymentHealth(deploymentID: "d")
        let transition = health.peerRateLimited(until: t0.addingTimeInterval(7), at: t0)
        #expect(transition?.to == .coolingDown && transition?.reason == .peerRateLimited && transition?.until == t0.addingTimeInterval(7))
        #expect(!health.isAvailable(at: t0.addingTimeInterval(6.999)))
        #expect(health.isAvailable(at: t0.addingTimeInterval(7)))
    }

    @Test func aLaterPeerResetLengthensAnEarlierOneDoesNot() {
        var health = DeploymentHealth(deploymentID: "d")
        _ = health.peerRateLimited(until: t0.addingTimeInterval(5), at: t0)
        #expect(health.peerRateLimited(until: t0.addingTimeInterval(3), at: t0.addingTimeInterval(1)) == nil)
        #expect(health.state == .coolingDown(until: t0.addingTimeInterval(5)))
        #expect(health.peerRateLimited(until: t0.addingTimeInterval(9), at: t0.addingTimeInterval(1)) == nil, "no new state name: no transition")
        #expect(health.state == .coolingDown(until: t0.addingTimeInterval(9)))
    }

    @Test func aPastResetAndTheCapAreRespected() {
        var health = DeploymentHealth(deploymentID: "d")
        #expect(health.peerRateLimited(until: t0.addingTimeInterval(-1), at: t0) == nil)
        #expect(health.state == .closed)
        let far = t0.addingTimeInterval(1e9)
        _ = health.peerRateLimited(until: far, at: t0)
        #expect(health.state == .coolingDown(until: t0.addingTimeInterval(HealthPolicy().maximumRateLimitCooldownSeconds)))
    }

    @Test func anOpenBreakerKeepsItsOwnState() {
        var policy = HealthPolicy()
        policy.minimumRequests = 1
        var health = DeploymentHealth(deploymentID: "d", policy: policy)
        _ = health.admit(at: t0)
        _ = health.record(outcome: .serverError(status: 500), at: t0)
        guard case .open = health.state else { Issue.record("expected open, got \(health.state)"); return }
        #expect(health.peerRateLimited(until: t0.addingTimeInterval(5), at: t0) == nil)
        guard case .open = health.state else { Issue.record("a peer's 429 replaced the open breaker: \(health.state)"); return }
    }

    @Test func theRegistryCreatesAnUnknownDeploymentsEntry() {
        let registry = HealthRegistry()
        let transition = registry.peerRateLimited("never-used", until: t0.addingTimeInterval(2), at: t0)
        #expect(transition?.reason == .peerRateLimited)
        #expect(!registry.isAvailable("never-used", at: t0.addingTimeInterval(1)))
    }
}
