import AAMCore
import AAMStorePostgres
import Foundation
import Testing

/// `aam_budget_lease` on a real Postgres: one renewal of one replica's slice, atomically.
@Suite("Budget leases in Postgres", .serialized)
struct BudgetLeaseFunctionTests {
    static let window = BudgetWindow(start: Date(timeIntervalSince1970: 1_800_000_000), end: Date(timeIntervalSince1970: 1_800_086_400))

    func withStore(_ body: (PostgresStore) async throws -> Void) async throws {
        guard let text = ProcessInfo.processInfo.environment["AAM_TEST_POSTGRES_URL"], !text.isEmpty, let server = try? PostgresURL(parsing: text)
        else {
            if !(ProcessInfo.processInfo.environment["CI"] ?? "").isEmpty { Issue.record("AAM_TEST_POSTGRES_URL is not set, and CI requires the Postgres tests") }
            return
        }
        let scratch = try await PostgresDatabaseAdmin.createScratchDatabase(on: server, prefix: "aam_lease")
        let store = try await PostgresStore.open(url: scratch.unmaskedString)
        do { try await body(store) } catch {
            await store.close()
            try? await PostgresDatabaseAdmin.dropDatabase(scratch, via: server)
            throw error
        }
        await store.close()
        try await PostgresDatabaseAdmin.dropDatabase(scratch, via: server)
    }

    static func request(
        _ replica: String, _ sequence: Int64, report: Int64 = 0, grow: Int64 = 0, release: Int64 = 0, limit: Int64? = 1_000, ttl: Double = 30
    ) -> BudgetLeaseRequest {
        BudgetLeaseRequest(
            key: "org:acme/daily", window: window, replica: replica, sequence: sequence,
            plan: BudgetLeasePlan(report: Spend(tokens: report), grow: Spend(tokens: grow), release: Spend(tokens: release)), limitUSD: nil,
            limitTokens: limit, ttlSeconds: ttl)
    }

    @Test("grants never exceed what the budget has left, however many replicas ask at once")
    func concurrentGrantsNeverExceedTheLimit() async throws {
        try await withStore { store in
            // 8 replicas, each renewing 20 times with a random report and grow, concurrently.
            let granted = try await withThrowingTaskGroup(of: Int64.self) { group in
                for replica in 0..<8 {
                    group.addTask {
                        var held: Int64 = 0
                        var reportedTotal: Int64 = 0
                        for sequence in 1...20 {
                            // Spend part of what is held, then ask for more.
                            let spend = held / 2
                            let answer = try await store.renewBudgetLease(
                                Self.request("r\(replica)", Int64(sequence), report: spend, grow: Int64.random(in: 10...120)))
                            reportedTotal += spend
                            held = answer.lease.tokens
                            #expect(answer.settled.tokens + answer.others.tokens + answer.lease.tokens <= 1_000,
                                "settled \(answer.settled.tokens) + others \(answer.others.tokens) + mine \(answer.lease.tokens)")
                        }
                        return reportedTotal + held
                    }
                }
                var total: Int64 = 0
                for try await value in group { total += value }
                return total
            }
            let window = try #require(try await store.budgetWindow(key: "org:acme/daily", window: Self.window))
            #expect(window.settled.tokens + window.leased.tokens <= 1_000)
            #expect(granted <= 1_000, "spent plus held by every replica: \(granted)")
            #expect(window.settled.tokens + window.leased.tokens == granted, "the database agrees with what the replicas hold and reported")
        }
    }

    @Test("a repeated renewal is answered again, not applied twice; a lowered limit grants nothing more")
    func replayAndLoweredLimit() async throws {
        try await withStore { store in
            let first = try await store.renewBudgetLease(Self.request("a", 1, grow: 300))
            #expect(first.lease.tokens == 300 && first.granted.tokens == 300 && !first.lost)
            let second = try await store.renewBudgetLease(Self.request("a", 2, report: 100, grow: 50))
            #expect(second.settled.tokens == 100 && second.lease.tokens == 250)
            let replay = try await store.renewBudgetLease(Self.request("a", 2, report: 100, grow: 50))
            #expect(replay.settled.tokens == 100 && replay.lease.tokens == 250 && replay.granted.tokens == 50, "not applied twice")
            let lowered = try await store.renewBudgetLease(Self.request("b", 1, grow: 500, limit: 300))
            #expect(lowered.granted.tokens == 0, "100 settled + 250 held already pass the new limit of 300")
            let released = try await store.renewBudgetLease(Self.request("a", 3, release: 200))
            #expect(released.lease.tokens == 50)
        }
    }

    @Test("a slice not renewed within its time-to-live is charged in full; its replica learns it was lost")
    func anExpiredSliceIsChargedInFull() async throws {
        try await withStore { store in
            _ = try await store.renewBudgetLease(Self.request("dead", 1, grow: 400))
            // The next renewal by another replica, with a zero time-to-live, reaps it.
            let other = try await store.renewBudgetLease(Self.request("live", 1, grow: 1_000, ttl: 0))
            #expect(other.settled.tokens == 400, "the dead replica's slice counts as spent")
            #expect(other.granted.tokens == 600)
            let back = try await store.renewBudgetLease(Self.request("dead", 2, report: 150, grow: 10))
            #expect(back.lost, "its slice was gone")
            #expect(back.settled.tokens == 400, "what it reports was charged with the slice, not again")
            #expect(back.granted.tokens == 0, "nothing is left")
            #expect(try await store.resetBudgetLeases(replica: "live") == 1)
            let window = try #require(try await store.budgetWindow(key: "org:acme/daily", window: Self.window))
            #expect(window.settled.tokens == 1_000 && window.leased.tokens == 0, "a reset charges the slice in full: \(window)")
        }
    }
}

/// `aam_rate_lease`: the cluster's GCRA bucket, drained on the database's clock.
@Suite("Rate leases in Postgres", .serialized)
struct RateLeaseFunctionTests {
    @Test("grants up to the bucket's room, takes units back, and says when the next unit fits")
    func bucket() async throws {
        try await BudgetLeaseFunctionTests().withStore { store in
            let first = try await store.renewRateLease(key: "org:acme/requests", limitPerMinute: 60, want: 100, returning: 0)
            let firstAnswered = ContinuousClock.now
            #expect(first.granted == 60 && first.remaining == 0)
            #expect(first.retryAfterSeconds > 0 && first.retryAfterSeconds <= 1.01, "one unit drains per second: \(first.retryAfterSeconds)")
            let returned = try await store.renewRateLease(key: "org:acme/requests", limitPerMinute: 60, want: 5, returning: 10)
            #expect(returned.granted == 5, "10 came back, 5 were taken again")
            // 5 left, plus one unit per second the bucket drained between the two statements (a
            // loaded run can take seconds here).
            let drained = Int64((ContinuousClock.now - firstAnswered).components.seconds) + 1
            #expect((5...(5 + drained)).contains(returned.remaining), "\(returned.remaining) after \(drained) s")
            let other = try await store.renewRateLease(key: "org:other/requests", limitPerMinute: 60, want: 3, returning: 0)
            #expect(other.granted == 3, "keys are separate buckets")
        }
    }
}
