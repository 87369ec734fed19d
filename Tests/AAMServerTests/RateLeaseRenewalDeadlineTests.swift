import AAMCore
import AAMServer
import Foundation
import Logging
import Synchronization
import Testing

/// A rate lease renewal the database does not answer degrades its key to local limiting within
/// the renewal deadline, not the store's 15 s operation timeout; and one slow key does not hold
/// up the others' renewals.
@Suite("Rate leases: renewal deadline")
struct RateLeaseRenewalDeadlineTests {
    /// A store that never answers for the keys in `hanging` (as a pool waiting for a stopped
    /// Postgres: until cancelled), answers the others once `answerOnceAsked` keys have been
    /// asked, and grants what is wanted.
    final class StallingStore: RateLeaseStore {
        let hanging: Mutex<Set<String>>
        let asked = Mutex<Set<String>>([])
        let answerOnceAsked: Int

        init(hanging: Set<String>, answerOnceAsked: Int = 0) {
            self.hanging = Mutex(hanging)
            self.answerOnceAsked = answerOnceAsked
        }

        func renewRateLease(key: String, limitPerMinute: Int64, want: Int64, returning: Int64) async throws -> RateLeaseAnswer {
            asked.withLock { _ = $0.insert(key) }
            if hanging.withLock({ $0.contains(key) }) { try await Task.sleep(for: .seconds(600)) }
            while asked.withLock({ $0.count }) < answerOnceAsked { try await Task.sleep(for: .milliseconds(10)) }
            return RateLeaseAnswer(granted: want, remaining: limitPerMinute, retryAfterSeconds: 0)
        }
    }

    let requests = RateLimitKey.deployment("d", .requests)
    let tokens = RateLimitKey.deployment("d", .tokens)

    func book(_ store: StallingStore, governance: GovernanceState, deadline: Duration = .milliseconds(300)) -> RateLeaseBook {
        RateLeaseBook(
            store: store, governance: governance, clock: ManualClock(Date(timeIntervalSince1970: 5_000_000)),
            logger: Logger(label: "test"), renewalDeadline: deadline)
    }

    @Test func aRenewalTheDatabaseDoesNotAnswerDegradesTheKeyWithinTheDeadline() async throws {
        let governance = GovernanceState()
        governance.enableLeases()
        let store = StallingStore(hanging: [requests.description])
        let book = book(store, governance: governance)
        let answer = await book.demand(RateCharge(key: requests, cost: 1, limitPerMinute: 60))
        #expect(answer == .unanswered)
        // Degraded as soon as the call's wait ends. Without the renewal deadline the renewal
        // would still hang in the store (it answers after 600 s) and the key would not be.
        // No bound on the wall time: a full parallel run starved this test's timers for 70 s, and
        // then the call's own wait can end just before the renewal's deadline fires, so the
        // degradation is awaited (the store still hangs: only the deadline can bring it).
        let degradedBy = ContinuousClock.now + .seconds(60)
        while !governance.isRateLimitDegraded(requests), ContinuousClock.now < degradedBy {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(governance.isRateLimitDegraded(requests), "cut off from the database: limited locally at its share")

        // The database answers again: the next renewal restores the cluster's limit.
        store.hanging.withLock { $0.removeAll() }
        let renewed = await book.demand(RateCharge(key: requests, cost: 1, limitPerMinute: 60))
        guard case .answered(let grant) = renewed else { Issue.record("not answered: \(renewed)"); return }
        #expect(grant.granted > 0)
        #expect(!governance.isRateLimitDegraded(requests))
    }

    @Test func oneKeysSlowRenewalDoesNotHoldUpAnothers() async throws {
        let governance = GovernanceState()
        governance.enableLeases()
        // Each key's renewal answers only once both keys were asked: renewed one after the
        // other, the first would wait out its 60 s deadline and degrade.
        let store = StallingStore(hanging: [], answerOnceAsked: 2)
        let book = book(store, governance: governance, deadline: .seconds(60))
        book.noteAdmitted([RateCharge(key: requests, cost: 1, limitPerMinute: 60), RateCharge(key: tokens, cost: 50, limitPerMinute: 100_000)])
        await book.tick()
        #expect(store.asked.withLock { $0 } == [requests.description, tokens.description])
        #expect(!governance.isRateLimitDegraded(requests) && !governance.isRateLimitDegraded(tokens))
        #expect(governance.rateAllowance(requests) > 0 && governance.rateAllowance(tokens) > 0)
    }
}
