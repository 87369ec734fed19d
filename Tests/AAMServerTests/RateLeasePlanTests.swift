import AAMCore
import Foundation
import Testing

@testable import AAMServer

/// How a replica sizes its rate-limit leases (`RateLeaseBook.plan`), case by case. A CI run
/// on a loaded machine served 50 of a 60-unit bucket through three replicas: replicas leased
/// batches ahead near the empty bucket and held them while the others' calls were refused.
@Suite("Rate leases: how much to lease")
struct RateLeasePlanTests {
    @Test func aFullBucketIsLeasedInBatchesOfATwentiethOfTheLimit() throws {
        let plan = try #require(RateLeaseBook.plan(allowance: 0, limit: 600, demand: 1, burnPerSecond: 100, idle: false, urgent: true))
        #expect(plan.want == 30, "2 s of the rate (200) capped at a twentieth of the limit")
        #expect(plan.returning == 0)
    }

    @Test func aScarceBucketIsLeasedOneCallAtATime() throws {
        let urgent = try #require(
            RateLeaseBook.plan(allowance: 0, limit: 600, demand: 1, burnPerSecond: 100, idle: false, urgent: true, scarce: true))
        #expect(urgent.want == 1 && urgent.returning == 0)
        // Even with a unit held: a call admitted meanwhile may take it.
        let held = try #require(
            RateLeaseBook.plan(allowance: 1, limit: 600, demand: 1, burnPerSecond: 100, idle: false, urgent: true, scarce: true))
        #expect(held.want == 1)
    }

    @Test func aTickOnAScarceBucketLeasesNothingAndGivesBackAllButOneCall() throws {
        #expect(RateLeaseBook.plan(allowance: 0, limit: 600, demand: 1, burnPerSecond: 100, idle: false, urgent: false, scarce: true) == nil)
        let back = try #require(
            RateLeaseBook.plan(allowance: 7, limit: 600, demand: 2, burnPerSecond: 100, idle: false, urgent: false, scarce: true))
        #expect(back.want == 0 && back.returning == 5)
        // Without scarcity the same tick keeps its batch (7 is under twice the target).
        #expect(RateLeaseBook.plan(allowance: 7, limit: 600, demand: 2, burnPerSecond: 2, idle: false, urgent: false) == nil)
    }

    @Test func idleGivesEverythingBackScarceOrNot() throws {
        for scarce in [false, true] {
            let back = try #require(
                RateLeaseBook.plan(allowance: 4, limit: 600, demand: 1, burnPerSecond: 0, idle: true, urgent: false, scarce: scarce))
            #expect(back.want == 0 && back.returning == 4)
        }
    }

    @Test func scarceMeansUnderTwiceWhatEveryReplicasBatchesCouldHold() {
        // 60 RPM, 3 replicas: batches of 3, 9 together, scarce under 18.
        #expect(RateLeaseBook.isScarce(remaining: 17, limit: 60, replicas: 3))
        #expect(!RateLeaseBook.isScarce(remaining: 18, limit: 60, replicas: 3))
        #expect(!RateLeaseBook.isScarce(remaining: .max, limit: 60, replicas: 3), "unknown counts as full")
        #expect(RateLeaseBook.isScarce(remaining: 1, limit: 10, replicas: 1), "a limit under 20 still leases a unit at a time")
        #expect(RateLeaseBook.isScarce(remaining: 1 << 62, limit: .max, replicas: 40), "saturates, no overflow trap")
        #expect(!RateLeaseBook.isScarce(remaining: .max, limit: .max, replicas: 40))
    }
}

extension RateLeasePlanTests {
    /// A call that waited behind another call's renewal may find the allowance filled: the plan
    /// asks nothing, and the book answers `covered` so the call is admitted from it (before,
    /// that call was refused with 429 though the units were there).
    @Test func anUrgentRenewalTheAllowanceAlreadyCoversAsksNothing() {
        #expect(RateLeaseBook.plan(allowance: 3, limit: 60, demand: 1, burnPerSecond: 10, idle: false, urgent: true) == nil)
    }
}
