import AAMCore
import Foundation
import Testing
@testable import AAMServer

@Suite("Governance housekeeping")
struct GovernancePruneTests {
    @Test func pruneKeepsConfiguredLimitsAndDropsRemovedOnes() {
        let governance = GovernanceState()
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let kept = RateLimitKey(scope: GovernanceScope(.key, "k1"), dimension: .requests)
        let removed = RateLimitKey(scope: GovernanceScope(.key, "gone"), dimension: .requests)
        let decision = governance.admit(
            requestId: "r1", chain: [], estimate: .zero,
            rateCharges: [RateCharge(key: kept, cost: 1, limitPerMinute: 2), RateCharge(key: removed, cost: 1, limitPerMinute: 2)], at: now)
        guard case .admitted = decision else {
            Issue.record("not admitted: \(decision)")
            return
        }
        var state = ConfigState()
        var key = VirtualKey(id: "k1", prefix: "sk-aam-x", secretHash: "h", orgId: "acme", createdAt: now)
        key.rpm = 2
        state.keys["k1"] = key
        GovernanceGate.prune(governance, state: state, at: now)
        #expect(governance.rateStatus(kept, limitPerMinute: 2, at: now).remaining == 1)
        #expect(governance.rateStatus(removed, limitPerMinute: 2, at: now).remaining == 2)
    }
}
