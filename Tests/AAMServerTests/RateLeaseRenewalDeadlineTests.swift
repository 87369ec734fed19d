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
    /// A store that never answers for the keys in `hanging` and grants everything else.
    final class StallingStore: RateLeaseStore {
        let hanging: Mutex<Set<String>>
        let asked = Mutex<[(key: String, at: ContinuousClock.Instant)]>([])

        init(hanging: Set<String>) { self.hanging = Mutex(hanging) }

        func renewRateLease(key: String, limitPerMinute: Int64, want: Int64, returning: Int64) async throws -> RateLeaseAnswer {
            asked.withLock { $0.append((key, .now)) }
            if hanging.withLock({ $0.contains(key) }) {
                // As a pool waiting for a stopped Postgres: until cancelled.
                try await Task.sleep(for: .seconds(600))
            }
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
        let started = ContinuousClock.now
        let answer = await book.demand(RateCharge(key: requests, cost: 1, limitPerMinute: 60))
        let waited = ContinuousClock.now - started
        #expect(answer == nil)
        #expect(governance.isRateLimitDegraded(requests), "cut off from the database: limited locally at its share")
        // The deadline is 300 ms; 4 s of room for a loaded machine, far below the store's 15 s.
        #expect(waited < .seconds(4), "waited \(waited)")

        // The database answers again: the next renewal restores the cluster's limit.
        store.hanging.withLock { $0.removeAll() }
        let renewed = await book.demand(RateCharge(key: requests, cost: 1, limitPerMinute: 60))
        #expect(renewed?.granted ?? 0 > 0)
        #expect(!governance.isRateLimitDegraded(requests))
    }

    @Test func oneKeysStalledRenewalDoesNotHoldUpAnothers() async throws {
        let governance = GovernanceState()
        governance.enableLeases()
        let store = StallingStore(hanging: [requests.description, tokens.description])
        let book = book(store, governance: governance, deadline: .seconds(2))
        book.noteAdmitted([RateCharge(key: requests, cost: 1, limitPerMinute: 60), RateCharge(key: tokens, cost: 50, limitPerMinute: 100_000)])
        await book.tick()
        let asked = store.asked.withLock { $0 }
        #expect(Set(asked.map(\.key)) == [requests.description, tokens.description])
        // Asked together: one after the other, the second would wait out the first's 2 s.
        if asked.count == 2 {
            let gap = asked[0].at < asked[1].at ? asked[0].at.duration(to: asked[1].at) : asked[1].at.duration(to: asked[0].at)
            #expect(gap < .milliseconds(1_500), "the second key was asked \(gap) after the first")
        }
        #expect(governance.isRateLimitDegraded(requests) && governance.isRateLimitDegraded(tokens))
    }
}
