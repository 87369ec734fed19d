import AAMCore
import Foundation
import Testing

private func instant(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }
private func usd(_ text: String) -> Money { try! Money(parsing: text) }
private let newYork = TimeZone(identifier: "America/New_York")!
private let org = GovernanceScope(.org, "acme")
private let key = GovernanceScope(.key, "k1")

private func reserved(_ decision: ReservationDecision) -> Reservation? {
    if case .reserved(let reservation) = decision { return reservation }
    return nil
}

private func rejected(_ decision: ReservationDecision) -> BudgetRejection? {
    if case .rejected(let rejection) = decision { return rejection }
    return nil
}

/// Deterministic generator so a failing interleaving can be replayed.
private struct LedgerRandom: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return state ^ (state >> 29)
    }
}

/// `#expect` cannot wrap a mutating call; this plain function can.
private func check(_ condition: Bool, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(condition, sourceLocation: sourceLocation)
}

@Suite("Governance: budget ledger")
struct GovernanceLedgerTests {
    let daily = Budget(id: "daily", period: .daily, usdLimit: usd("1.00"), tokenLimit: 10_000)
    let t0 = instant("2026-06-01T12:00:00Z")

    @Test("reserve holds the estimate; settle charges the actual and releases the rest")
    func reserveSettle() throws {
        var ledger = BudgetLedger()
        let chain = [ScopeBudgets(scope: org, budgets: [daily])]
        let reservation = try #require(reserved(ledger.reserve(
            requestId: "r1", chain: chain, estimate: Spend(usd: usd("0.30"), tokens: 3000), at: t0)))
        #expect(ledger.usage(of: daily, on: org, at: t0).reserved == Spend(usd: usd("0.30"), tokens: 3000))
        #expect(ledger.usage(of: daily, on: org, at: t0).settled == .zero)

        let result = ledger.settle(reservation, actual: Spend(usd: usd("0.12"), tokens: 1200), at: t0 + 5)
        #expect(result == .settled(overruns: []))
        let counter = ledger.usage(of: daily, on: org, at: t0 + 5)
        #expect(counter.settled == Spend(usd: usd("0.12"), tokens: 1200))
        #expect(counter.reserved == .zero)
        #expect(ledger.outstandingCount == 0)
        // Settling again changes nothing.
        check(ledger.settle(reservation, actual: Spend(usd: usd("0.50")), at: t0 + 6) == .notOutstanding)
        #expect(ledger.usage(of: daily, on: org, at: t0 + 6).settled.usd == usd("0.12"))
    }

    @Test("only a call that touched a budget leaves its id behind (replay de-duplication), and ids are forgotten by age")
    func settledIdsAreKeptOnlyForBudgetedCalls() throws {
        var ledger = BudgetLedger()
        // A rate-limit-only admission reserves on an empty chain: nothing to replay, nothing kept.
        for index in 0..<100 {
            let unbudgeted = try #require(reserved(ledger.reserve(requestId: "plain-\(index)", chain: [], estimate: Spend(tokens: 10), at: t0)))
            check(ledger.settle(unbudgeted, actual: Spend(tokens: 10), at: t0) == .settled(overruns: []))
        }
        #expect(ledger.rememberedSettledCount == 0)
        let chain = [ScopeBudgets(scope: org, budgets: [daily])]
        let budgeted = try #require(reserved(ledger.reserve(requestId: "b1", chain: chain, estimate: Spend(tokens: 10), at: t0)))
        _ = ledger.settle(budgeted, actual: Spend(tokens: 10), at: t0 + 1)
        #expect(ledger.rememberedSettledCount == 1)
        ledger.forgetSettledRequests(before: t0 + 2)
        #expect(ledger.rememberedSettledCount == 0)
    }

    @Test("a failed call settles at zero and frees its whole hold")
    func failedCallReleases() throws {
        var ledger = BudgetLedger()
        let chain = [ScopeBudgets(scope: org, budgets: [daily])]
        let first = try #require(reserved(ledger.reserve(requestId: "a", chain: chain, estimate: Spend(usd: usd("0.80")), at: t0)))
        check(rejected(ledger.reserve(requestId: "b", chain: chain, estimate: Spend(usd: usd("0.30")), at: t0)) != nil)
        _ = ledger.settle(first, actual: .zero, at: t0 + 1)
        check(reserved(ledger.reserve(requestId: "b", chain: chain, estimate: Spend(usd: usd("0.30")), at: t0 + 2)) != nil)
        #expect(ledger.usage(of: daily, on: org, at: t0 + 2).committed.usd == usd("0.30"))
    }

    @Test("rejection names the scope, budget and dimension and retries at the window end")
    func rejection() throws {
        var ledger = BudgetLedger(timeZone: newYork)
        let tokens = Budget(id: "tok", period: .monthly, tokenLimit: 1000)
        let chain = [ScopeBudgets(scope: key, budgets: [tokens])]
        let rejection = try #require(rejected(ledger.reserve(
            requestId: "r", chain: chain, estimate: Spend(tokens: 1001), at: t0)))
        #expect(rejection.key == BudgetKey(scope: key, budgetId: "tok"))
        #expect(rejection.dimension == .tokens)
        #expect(rejection.limit == 1000 && rejection.committed == 0 && rejection.requested == 1001)
        #expect(rejection.retryAfter == instant("2026-07-01T04:00:00Z"))

        let lifetime = Budget(id: "life", period: .total, usdLimit: usd("5"))
        let total = try #require(rejected(ledger.reserve(
            requestId: "r", chain: [ScopeBudgets(scope: key, budgets: [lifetime])], estimate: Spend(usd: usd("6")), at: t0)))
        #expect(total.retryAfter == nil)
    }

    @Test("chain atomicity: one scope over means nothing is reserved anywhere")
    func chainAtomicity() throws {
        var ledger = BudgetLedger()
        let orgBudget = Budget(id: "org-month", period: .monthly, usdLimit: usd("100"))
        let keyBudget = Budget(id: "key-day", period: .daily, usdLimit: usd("0.50"))
        let project = GovernanceScope(.project, "p")
        let projectBudget = Budget(id: "p-week", period: .weekly, tokenLimit: 1_000_000)
        let chain = [
            ScopeBudgets(scope: org, budgets: [orgBudget]),
            ScopeBudgets(scope: project, budgets: [projectBudget]),
            ScopeBudgets(scope: key, budgets: [keyBudget]),
        ]
        let rejection = try #require(rejected(ledger.reserve(
            requestId: "r", chain: chain, estimate: Spend(usd: usd("0.60"), tokens: 500), at: t0)))
        #expect(rejection.key == BudgetKey(scope: key, budgetId: "key-day"))
        #expect(ledger.usage(of: orgBudget, on: org, at: t0).committed == .zero)
        #expect(ledger.usage(of: projectBudget, on: project, at: t0).committed == .zero)
        #expect(ledger.usage(of: keyBudget, on: key, at: t0).committed == .zero)
        #expect(ledger.outstandingCount == 0)

        let ok = try #require(reserved(ledger.reserve(
            requestId: "r2", chain: chain, estimate: Spend(usd: usd("0.40"), tokens: 500), at: t0)))
        #expect(ok.holds.count == 3)
        #expect(ledger.usage(of: orgBudget, on: org, at: t0).reserved == Spend(usd: usd("0.40"), tokens: 500))
        #expect(ledger.usage(of: projectBudget, on: project, at: t0).reserved.tokens == 500)
    }

    @Test("N interleaved reservations against a budget that admits exactly K: exactly K pass, never over")
    func admitsExactlyK() {
        var ledger = BudgetLedger()
        let budget = Budget(id: "b", period: .total, usdLimit: usd("1.00"))
        let chain = [ScopeBudgets(scope: key, budgets: [budget])]
        let estimate = Spend(usd: usd("0.07"))  // K = 14: 14 × 0.07 = 0.98, 15 × 0.07 = 1.05
        var admitted: [Reservation] = []
        for index in 0..<50 {
            if let reservation = reserved(ledger.reserve(requestId: "r\(index)", chain: chain, estimate: estimate, at: t0)) {
                admitted.append(reservation)
            }
            #expect(ledger.usage(of: budget, on: key, at: t0).committed.usd <= usd("1.00"))
        }
        #expect(admitted.count == 14)
        for reservation in admitted { _ = ledger.settle(reservation, actual: estimate, at: t0 + 1) }
        #expect(ledger.usage(of: budget, on: key, at: t0 + 1).settled.usd == usd("0.98"))
        check(rejected(ledger.reserve(requestId: "late", chain: chain, estimate: estimate, at: t0 + 2)) != nil)
    }

    @Test("random reserve/settle interleavings with upper-bound estimates never pass the limit")
    func invariantUnderInterleaving() {
        var generator = LedgerRandom(state: 42)
        var ledger = BudgetLedger()
        let budget = Budget(id: "b", period: .total, usdLimit: usd("2.00"), tokenLimit: 20_000)
        let chain = [ScopeBudgets(scope: key, budgets: [budget])]
        var open: [Reservation] = []
        for step in 0..<2000 {
            if open.isEmpty || Bool.random(using: &generator) {
                let estimate = Spend(usd: Money(nanos: Int64.random(in: 1...200_000_000, using: &generator)),
                                     tokens: Int64.random(in: 1...2000, using: &generator))
                if let reservation = reserved(ledger.reserve(requestId: "r\(step)", chain: chain, estimate: estimate, at: t0)) {
                    open.append(reservation)
                }
            } else {
                let reservation = open.remove(at: Int.random(in: 0..<open.count, using: &generator))
                let actual = Spend(usd: Money(nanos: Int64.random(in: 0...reservation.estimate.usd.nanos, using: &generator)),
                                   tokens: Int64.random(in: 0...reservation.estimate.tokens, using: &generator))
                check(ledger.settle(reservation, actual: actual, at: t0) == .settled(overruns: []))
            }
            let committed = ledger.usage(of: budget, on: key, at: t0).committed
            #expect(committed.usd <= usd("2.00") && committed.tokens <= 20_000)
        }
    }

    @Test("midnight rollover in New York: new day starts empty; a straddling call is charged to the day it was reserved in")
    func rolloverStraddle() throws {
        var ledger = BudgetLedger(timeZone: newYork)
        let budget = Budget(id: "day", period: .daily, usdLimit: usd("1.00"))
        let chain = [ScopeBudgets(scope: key, budgets: [budget])]
        // 2026-03-07 23:59:30 EST; the next local day (the 23-hour DST day) starts at 05:00Z.
        let lateEvening = instant("2026-03-08T04:59:30Z")
        let settled = try #require(reserved(ledger.reserve(requestId: "a", chain: chain, estimate: Spend(usd: usd("0.50")), at: lateEvening)))
        _ = ledger.settle(settled, actual: Spend(usd: usd("0.40")), at: lateEvening + 1)
        let straddling = try #require(reserved(ledger.reserve(requestId: "b", chain: chain, estimate: Spend(usd: usd("0.60")), at: lateEvening + 10)))
        check(rejected(ledger.reserve(requestId: "c", chain: chain, estimate: Spend(usd: usd("0.01")), at: lateEvening + 20)) != nil)

        let midnight = instant("2026-03-08T05:00:00Z")
        // The new day has its full limit even though "b" is still in flight.
        let fresh = try #require(reserved(ledger.reserve(requestId: "d", chain: chain, estimate: Spend(usd: usd("1.00")), at: midnight)))
        #expect(ledger.usage(of: budget, on: key, at: midnight).reserved.usd == usd("1.00"))

        // The closed day is kept while "b" is outstanding on it.
        let previousDay = BudgetWindow(start: instant("2026-03-07T05:00:00Z"), end: midnight)
        #expect(ledger.snapshot(at: midnight + 59).entries.map(\.window) == [previousDay, ledger.usage(of: budget, on: key, at: midnight).window])
        _ = ledger.settle(straddling, actual: Spend(usd: usd("0.55")), at: midnight + 60)
        // Charged to the closed day: the new day's counters do not move.
        #expect(ledger.usage(of: budget, on: key, at: midnight + 60).settled == .zero)
        #expect(ledger.usage(of: budget, on: key, at: midnight + 60).reserved.usd == usd("1.00"))
        _ = ledger.settle(fresh, actual: Spend(usd: usd("0.20")), at: midnight + 61)
        // The old day is dropped once nothing is outstanding on it.
        let snapshot = ledger.snapshot(at: midnight + 61)
        #expect(snapshot.entries.map(\.window.start) == [midnight])
        #expect(ledger.usage(of: budget, on: key, at: instant("2026-03-09T03:59:59Z")).settled.usd == usd("0.20"))
        #expect(ledger.usage(of: budget, on: key, at: instant("2026-03-09T04:00:00Z")).settled == .zero)
    }

    @Test("month end: Jan 31 spend does not count in February")
    func monthEnd() throws {
        var ledger = BudgetLedger()
        let budget = Budget(id: "m", period: .monthly, usdLimit: usd("10"))
        let chain = [ScopeBudgets(scope: org, budgets: [budget])]
        let jan31 = instant("2026-01-31T23:59:59Z")
        let r = try #require(reserved(ledger.reserve(requestId: "a", chain: chain, estimate: Spend(usd: usd("10")), at: jan31)))
        _ = ledger.settle(r, actual: Spend(usd: usd("10")), at: jan31)
        check(rejected(ledger.reserve(requestId: "b", chain: chain, estimate: Spend(usd: usd("0.01")), at: jan31)) != nil)
        let feb1 = instant("2026-02-01T00:00:00Z")
        check(reserved(ledger.reserve(requestId: "b", chain: chain, estimate: Spend(usd: usd("10")), at: feb1)) != nil)
    }

    @Test("settle reports an overrun when the estimate was not an upper bound")
    func overrun() throws {
        var ledger = BudgetLedger()
        let chain = [ScopeBudgets(scope: org, budgets: [daily])]
        let r = try #require(reserved(ledger.reserve(requestId: "a", chain: chain, estimate: Spend(usd: usd("0.90")), at: t0)))
        let result = ledger.settle(r, actual: Spend(usd: usd("1.10")), at: t0)
        #expect(result == .settled(overruns: [BudgetOverrun(
            key: BudgetKey(scope: org, budgetId: "daily"), dimension: .usd, limit: usd("1.00").nanos, settled: usd("1.10").nanos)]))
    }

    @Test("changing a budget's period in config starts a fresh counter for the new period")
    func periodChange() throws {
        var ledger = BudgetLedger()
        let firstOfMonth = instant("2026-06-01T08:00:00Z")
        let asDaily = Budget(id: "b", period: .daily, usdLimit: usd("1.00"))
        let r = try #require(reserved(ledger.reserve(
            requestId: "a", chain: [ScopeBudgets(scope: org, budgets: [asDaily])], estimate: Spend(usd: usd("1.00")), at: firstOfMonth)))
        _ = ledger.settle(r, actual: Spend(usd: usd("1.00")), at: firstOfMonth)
        let asMonthly = Budget(id: "b", period: .monthly, usdLimit: usd("5.00"))
        let decision = ledger.reserve(
            requestId: "b", chain: [ScopeBudgets(scope: org, budgets: [asMonthly])], estimate: Spend(usd: usd("5.00")), at: firstOfMonth)
        #expect(reserved(decision) != nil)
        #expect(ledger.usage(of: asMonthly, on: org, at: firstOfMonth).window.end == instant("2026-07-01T00:00:00Z"))
    }

    @Test("reserving an outstanding request id again holds once")
    func duplicateReserve() throws {
        var ledger = BudgetLedger()
        let chain = [ScopeBudgets(scope: org, budgets: [daily])]
        let first = try #require(reserved(ledger.reserve(requestId: "a", chain: chain, estimate: Spend(usd: usd("0.40")), at: t0)))
        let second = try #require(reserved(ledger.reserve(requestId: "a", chain: chain, estimate: Spend(usd: usd("0.40")), at: t0)))
        #expect(first == second)
        #expect(ledger.usage(of: daily, on: org, at: t0).reserved.usd == usd("0.40"))
    }

    @Test("snapshot, restart, restore and replay count every request exactly once")
    func restartWithoutDoubleCounting() throws {
        var ledger = BudgetLedger()
        let chain = [ScopeBudgets(scope: org, budgets: [daily])]
        for id in ["a", "b"] {
            let r = try #require(reserved(ledger.reserve(requestId: id, chain: chain, estimate: Spend(usd: usd("0.20"), tokens: 100), at: t0)))
            _ = ledger.settle(r, actual: Spend(usd: usd("0.10"), tokens: 50), at: t0 + 1)
        }
        let inFlight = try #require(reserved(ledger.reserve(requestId: "c", chain: chain, estimate: Spend(usd: usd("0.50")), at: t0 + 2)))
        _ = inFlight
        let data = try JSONEncoder().encode(ledger.snapshot(at: t0 + 3))

        var restarted = BudgetLedger()
        let snapshot = try JSONDecoder().decode(BudgetLedgerSnapshot.self, from: data)
        restarted.restore(from: snapshot)
        restarted.restore(from: snapshot)  // twice is harmless
        #expect(restarted.usage(of: daily, on: org, at: t0 + 4).settled == Spend(usd: usd("0.20"), tokens: 100))
        #expect(restarted.usage(of: daily, on: org, at: t0 + 4).reserved == .zero)  // "c" died with the process

        // Replaying call records around the snapshot: "b" is already counted, "c" finished just before the crash.
        check(!restarted.replaySettled(requestId: "b", chain: chain, actual: Spend(usd: usd("0.10"), tokens: 50), reservedAt: t0, settledAt: t0 + 1))
        check(restarted.replaySettled(requestId: "c", chain: chain, actual: Spend(usd: usd("0.30"), tokens: 10), reservedAt: t0 + 2, settledAt: t0 + 4))
        check(!restarted.replaySettled(requestId: "c", chain: chain, actual: Spend(usd: usd("0.30"), tokens: 10), reservedAt: t0 + 2, settledAt: t0 + 4))
        #expect(restarted.usage(of: daily, on: org, at: t0 + 5).settled == Spend(usd: usd("0.50"), tokens: 110))
        // The restored spend still constrains admission.
        check(rejected(restarted.reserve(requestId: "d", chain: chain, estimate: Spend(usd: usd("0.51")), at: t0 + 6)) != nil)
        check(reserved(restarted.reserve(requestId: "d", chain: chain, estimate: Spend(usd: usd("0.50")), at: t0 + 6)) != nil)

        restarted.forgetSettledRequests(before: t0 + 2)
        #expect(restarted.snapshot(at: t0 + 7).settledRequestIds.keys.sorted() == ["c"])
    }
}
