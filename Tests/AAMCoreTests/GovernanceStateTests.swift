import AAMCore
import Foundation
import Testing

private let t0 = Date(timeIntervalSince1970: 1_800_000_000)
private func usd(_ text: String) -> Money { try! Money(parsing: text) }
private let org = GovernanceScope(.org, "acme")
private let key = GovernanceScope(.key, "k1")
private let tpm = RateLimitKey(scope: key, dimension: .tokens)
private let rpm = RateLimitKey(scope: key, dimension: .requests)

private func admission(_ decision: AdmissionDecision) -> Admission? {
    if case .admitted(let admission) = decision { return admission }
    return nil
}

@Suite("Governance: shared state")
struct GovernanceStateTests {
    @Test("many concurrent admissions against a budget that admits exactly K: exactly K pass")
    func concurrentExactlyK() async {
        let state = GovernanceState()
        let budget = Budget(id: "b", period: .daily, usdLimit: usd("1.00"))
        let chain = [ScopeBudgets(scope: org, budgets: [budget]), ScopeBudgets(scope: key, budgets: [])]
        let admitted = await withTaskGroup(of: Admission?.self) { group in
            for index in 0..<200 {
                group.addTask {
                    admission(state.admit(
                        requestId: "r\(index)", chain: chain, estimate: Spend(usd: usd("0.03")), rateCharges: [], at: t0))
                }
            }
            var admitted: [Admission] = []
            for await result in group { if let result { admitted.append(result) } }
            return admitted
        }
        #expect(admitted.count == 33)  // 33 × 0.03 = 0.99
        await withTaskGroup(of: Void.self) { group in
            for admission in admitted {
                group.addTask { _ = state.settle(admission, actual: Spend(usd: usd("0.03")), at: t0 + 1) }
            }
        }
        let usage = state.usage(of: budget, on: org, at: t0 + 1)
        #expect(usage.settled.usd == usd("0.99") && usage.reserved == .zero)
    }

    @Test("a rate-limit refusal leaves the budgets untouched, and a budget refusal the rate limits")
    func budgetAndRateAtomic() throws {
        let state = GovernanceState()
        let budget = Budget(id: "b", period: .daily, usdLimit: usd("1.00"))
        let chain = [ScopeBudgets(scope: key, budgets: [budget])]
        let charges = [RateCharge(key: rpm, cost: 1, limitPerMinute: 1)]
        #expect(admission(state.admit(requestId: "a", chain: chain, estimate: Spend(usd: usd("0.10")), rateCharges: charges, at: t0)) != nil)
        let limited = state.admit(requestId: "b", chain: chain, estimate: Spend(usd: usd("0.10")), rateCharges: charges, at: t0)
        guard case .rateLimited(.limited(_, let retry)) = limited else {
            Issue.record("expected a rate limit, got \(limited)")
            return
        }
        #expect(retry == 60)
        #expect(state.usage(of: budget, on: key, at: t0).reserved.usd == usd("0.10"))

        let over = state.admit(
            requestId: "c", chain: chain, estimate: Spend(usd: usd("5")),
            rateCharges: [RateCharge(key: tpm, cost: 10, limitPerMinute: 100)], at: t0 + 60)
        guard case .budgetExceeded(let rejection) = over else {
            Issue.record("expected a budget rejection, got \(over)")
            return
        }
        #expect(rejection.key.scope == key)
        #expect(state.rateStatus(tpm, limitPerMinute: 100, at: t0 + 60).remaining == 100)
    }

    @Test("settle charges the budget and corrects TPM by actual − estimate, once")
    func settleAdjustsTPM() throws {
        let state = GovernanceState()
        let budget = Budget(id: "b", period: .daily, tokenLimit: 10_000)
        let chain = [ScopeBudgets(scope: key, budgets: [budget])]
        let admitted = try #require(admission(state.admit(
            requestId: "a", chain: chain, estimate: Spend(tokens: 800),
            rateCharges: [RateCharge(key: tpm, cost: 800, limitPerMinute: 1000), RateCharge(key: rpm, cost: 1, limitPerMinute: 10)],
            at: t0)))
        #expect(admitted.rateStatuses.map(\.remaining) == [200, 9])
        #expect(state.settle(admitted, actual: Spend(tokens: 150), at: t0) == .settled(overruns: []))
        #expect(state.rateStatus(tpm, limitPerMinute: 1000, at: t0).remaining == 850)
        #expect(state.rateStatus(rpm, limitPerMinute: 10, at: t0).remaining == 9)
        #expect(state.usage(of: budget, on: key, at: t0).settled.tokens == 150)
        #expect(state.settle(admitted, actual: Spend(tokens: 150), at: t0) == .notOutstanding)
        #expect(state.rateStatus(tpm, limitPerMinute: 1000, at: t0).remaining == 850)
    }

    @Test("spend survives a restart through snapshot and restore")
    func restart() throws {
        let before = GovernanceState()
        let budget = Budget(id: "b", period: .monthly, usdLimit: usd("1.00"))
        let chain = [ScopeBudgets(scope: key, budgets: [budget])]
        let admitted = try #require(admission(before.admit(
            requestId: "a", chain: chain, estimate: Spend(usd: usd("0.80")), rateCharges: [], at: t0)))
        _ = before.settle(admitted, actual: Spend(usd: usd("0.70")), at: t0 + 1)
        let saved = try JSONEncoder().encode(before.snapshot(at: t0 + 2))

        let after = GovernanceState()
        after.restore(from: try JSONDecoder().decode(BudgetLedgerSnapshot.self, from: saved))
        #expect(!after.replaySettled(requestId: "a", chain: chain, actual: Spend(usd: usd("0.70")), reservedAt: t0, settledAt: t0 + 1))
        #expect(after.usage(of: budget, on: key, at: t0 + 3).settled.usd == usd("0.70"))
        let refused = after.admit(requestId: "b", chain: chain, estimate: Spend(usd: usd("0.31")), rateCharges: [], at: t0 + 3)
        #expect(admission(refused) == nil)
    }
}
