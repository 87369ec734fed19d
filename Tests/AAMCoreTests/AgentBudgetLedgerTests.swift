import AAMCore
import Foundation
import Testing

/// `AgentBudgetLedger` event by event with explicit times: decide-and-hold, settle lower and
/// higher than the estimate, release, rollover at midnight UTC, replay of settled records.
@Suite struct AgentBudgetLedgerTests {
    typealias F = AgentFixtures
    static let who = F.analyst.description
    /// 08:00Z; the budget day ends 16 hours later.
    static let t0 = F.t0
    static let engine = F.engine(F.financeAnalystReadonly())  // $75 a day

    /// One decision for a model call the fixture allows, as the gateway makes it.
    func admit(_ ledger: inout AgentBudgetLedger, _ id: String, estimate: String, at time: Date = t0) -> (Decision, AgentBudgetLedger.Hold?) {
        let admitted = ledger.admit(requestId: id, identity: Self.who, estimate: F.dollars(estimate), at: time) { spend in
            Self.engine.decide(F.model(F.analyst, "summarization", spend: spend, at: time))
        }
        return (admitted.decision, admitted.hold)
    }

    @Test func concurrentAdmissionsHoldTheirEstimatesSoOnlyWhatFitsPasses() {
        var ledger = AgentBudgetLedger()
        // Eight calls in flight at once, each estimated at $30, against $75: two fit.
        let outcomes = (0..<8).map { admit(&ledger, "r\($0)", estimate: "30") }
        #expect(outcomes.map(\.0.isAllowed) == [true, true, false, false, false, false, false, false])
        #expect(outcomes.dropFirst(2).allSatisfy { $0.0.verdict.reason == DecisionReason.budgetExceeded && $0.1 == nil })
        #expect(ledger.spend(of: Self.who, at: Self.t0) == .init(settled: .zero, held: F.dollars("60")))
        #expect(ledger.outstandingCount == 2)
    }

    @Test func settleReplacesTheHoldWithTheRealCostOnce() throws {
        var ledger = AgentBudgetLedger()
        let first = try #require(admit(&ledger, "a", estimate: "30").1)
        let second = try #require(admit(&ledger, "b", estimate: "30").1)
        // Lower than estimated: the difference is free again.
        let changed1 = ledger.settle(first, actual: F.dollars("10"))
        #expect(changed1)
        #expect(ledger.spend(of: Self.who, at: Self.t0) == .init(settled: F.dollars("10"), held: F.dollars("30")))
        // Settling twice changes nothing.
        let changed2 = ledger.settle(first, actual: F.dollars("10"))
        #expect(!changed2)
        #expect(ledger.spend(of: Self.who, at: Self.t0).committed == F.dollars("40"))
        // $35 of room: a third $30 call fits now.
        let third = try #require(admit(&ledger, "c", estimate: "30").1)
        // Higher than estimated (no max_tokens): the day passes the budget, the next call is refused.
        let changed3 = ledger.settle(second, actual: F.dollars("40"))
        #expect(changed3)
        let changed4 = ledger.settle(third, actual: F.dollars("30"))
        #expect(changed4)
        #expect(ledger.spend(of: Self.who, at: Self.t0) == .init(settled: F.dollars("80"), held: .zero))
        let refused = admit(&ledger, "d", estimate: "0.01")
        #expect(!refused.0.isAllowed)
        #expect(refused.0.verdict.rule == DecisionReason.budgetRule)
        #expect(ledger.outstandingCount == 0)
    }

    @Test func aCallThatEndsWithoutCostReleasesItsHold() throws {
        var ledger = AgentBudgetLedger()
        let hold = try #require(admit(&ledger, "a", estimate: "70").1)
        #expect(!admit(&ledger, "b", estimate: "10").0.isAllowed)
        let changed5 = ledger.release(hold)
        #expect(changed5)
        let changed6 = ledger.release(hold)
        #expect(!changed6)
        #expect(ledger.spend(of: Self.who, at: Self.t0) == .init())
        #expect(admit(&ledger, "c", estimate: "10").0.isAllowed)
    }

    @Test func aDeniedCallHoldsNothingAndAReusedIdHoldsOnce() throws {
        var ledger = AgentBudgetLedger()
        let denied = ledger.admit(requestId: "x", identity: Self.who, estimate: F.dollars("5"), at: Self.t0) { spend in
            Self.engine.decide(F.model(F.analyst, "gpt-4o", spend: spend))  // not in models.allow
        }
        #expect(denied.hold == nil)
        #expect(ledger.outstandingCount == 0)
        let once = ledger.reserve(requestId: "y", identity: Self.who, amount: F.dollars("5"), at: Self.t0)
        let again = ledger.reserve(requestId: "y", identity: Self.who, amount: F.dollars("5"), at: Self.t0)
        #expect(once == again)
        #expect(ledger.spend(of: Self.who, at: Self.t0).held == F.dollars("5"))
    }

    @Test func theNewUTCDayStartsAtZeroAndYesterdaysCallsDoNotCountOnIt() throws {
        var ledger = AgentBudgetLedger()
        let late = Self.t0.addingTimeInterval(16 * 3600 - 1)  // 23:59:59Z
        let midnight = Self.t0.addingTimeInterval(16 * 3600)
        #expect(admit(&ledger, "a", estimate: "40", at: Self.t0).0.isAllowed)
        let inFlight = try #require(admit(&ledger, "b", estimate: "30", at: late).1)
        #expect(!admit(&ledger, "c", estimate: "30", at: late).0.isAllowed)
        // Midnight: a fresh budget, whatever is still in flight from yesterday.
        #expect(ledger.spend(of: Self.who, at: midnight) == .init())
        let today = try #require(admit(&ledger, "d", estimate: "70", at: midnight).1)
        // Yesterday's call settles after midnight: not charged to today.
        let changed7 = ledger.settle(inFlight, actual: F.dollars("30"))
        #expect(changed7)
        #expect(ledger.spend(of: Self.who, at: midnight) == .init(settled: .zero, held: F.dollars("70")))
        let changed8 = ledger.settle(today, actual: F.dollars("1"))
        #expect(changed8)
        #expect(ledger.spend(of: Self.who, at: midnight).committed == F.dollars("1"))
        #expect(AgentBudgetLedger.day(of: midnight) == AgentBudgetLedger.day(of: late) + 1)
    }

    @Test func replayedRecordsCountOnlyOnTheDayTheyStarted() {
        var ledger = AgentBudgetLedger()
        let now = Self.t0
        ledger.addSettled(F.dollars("12.5"), for: Self.who, startedAt: now.addingTimeInterval(-3600), at: now)
        ledger.addSettled(F.dollars("99"), for: Self.who, startedAt: now.addingTimeInterval(-9 * 3600), at: now)  // yesterday 23:00Z
        ledger.addSettled(F.dollars("3"), for: "spiffe://prod/agent/other", startedAt: now, at: now)
        #expect(ledger.spend(of: Self.who, at: now) == .init(settled: F.dollars("12.5"), held: .zero))
        #expect(ledger.spend(of: "spiffe://prod/agent/other", at: now).settled == F.dollars("3"))
        // Replayed spend narrows the room like settled spend: $62.50 left.
        #expect(admit(&ledger, "a", estimate: "62.5").0.isAllowed)
        #expect(!admit(&ledger, "b", estimate: "0.01").0.isAllowed)
    }
}
