import AAMCore
import Foundation

/// Enforces a workload's AgentPolicy on its model calls, before routing. Virtual-key calls
/// never come here.
///
/// The decision is the compiled engine's (in memory), with the identity's spend today from the
/// in-memory ledger: `models.allow` restricts aliases (403 `model_not_allowed_by_policy`),
/// `budget.daily_usd` refuses a call once the day's spend has reached it (429
/// `budget_exceeded`), an identity no policy covers is refused (403 `no_policy_for_identity`),
/// and a shadow policy's would-be denial is recorded without being applied. Every decision, allow
/// or deny, goes on the call record (`CallRecord.policy`) and on the bus (`.policyDecision`).
///
/// The budget check reads settled spend: calls in flight at once can together pass the budget
/// by what they cost beyond it (the next call is then refused).
enum PolicyGate {
    static func authorizeModelCall(
        _ workload: WorkloadIdentity, alias: String, runtime: GatewayRuntime, trace: CallTrace
    ) throws(GatewayError) {
        let now = runtime.clock.now()
        let identity = workload.spiffeID.description
        let request = DecisionRequest(
            identity: workload.spiffeID,
            action: .modelCall(alias: alias, spend: SpendSoFar(today: runtime.agentSpend.today(identity, at: now))),
            context: DecisionContext(time: now, environment: workload.registration.environment))
        let decision = runtime.policies.engine.decide(request)
        let evidence = PolicyEvidence(decision, for: request)
        trace.record.policy = evidence
        runtime.bus.publish(.policyDecision(requestId: trace.record.requestId, evidence: evidence))
        trace.agentCharge = AgentSpendCharge(ledger: runtime.agentSpend, identity: identity, clock: runtime.clock)
        guard !decision.isAllowed else { return }
        throw refusal(decision.verdict, alias: alias, identity: identity, now: now)
    }

    /// The error a denied model call gets, in the inbound API's shape (the endpoint renders it).
    static func refusal(_ verdict: Verdict, alias: String, identity: String, now: Date) -> GatewayError {
        let by = verdict.policy.map { "policy '\($0)' v\(verdict.version ?? 0) rule \(verdict.rule)" } ?? "rule \(verdict.rule)"
        switch verdict.reason {
        case DecisionReason.budgetExceeded:
            return GatewayError(
                status: 429, type: "insufficient_quota", code: "budget_exceeded",
                message: "The daily budget of \(identity) is exhausted (\(by)).",
                retryAfterSeconds: 86_400 - Int(now.timeIntervalSince1970.rounded(.down)) % 86_400)
        case DecisionReason.noPolicyForIdentity:
            return GatewayError(
                status: 403, type: "permission_error", code: "no_policy_for_identity",
                message: "No AgentPolicy applies to \(identity), so it may not call models (\(by)).", param: nil)
        default:
            return GatewayError(
                status: 403, type: "permission_error", code: "model_not_allowed_by_policy",
                message: "The model '\(alias)' is not allowed for \(identity) by \(by).", param: "model")
        }
    }
}

/// Where a workload call's settled cost is counted against its daily budget (`CallTrace.finish`).
struct AgentSpendCharge: Sendable {
    let ledger: AgentSpendLedger
    let identity: String
    let clock: any WallClock

    func settle(_ cost: Money, startedAt: Date) {
        guard cost > .zero else { return }
        ledger.add(cost, for: identity, startedAt: startedAt, now: clock.now())
    }
}
