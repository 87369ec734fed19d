import AAMCore
import Foundation

/// Enforces a workload's AgentPolicy on its model calls, before routing. Virtual-key calls
/// never come here.
///
/// The decision is the compiled engine's (in memory), with the identity's spend today from the
/// in-memory ledger: `models.allow` restricts aliases (404 `model_not_found`, recorded as `model_not_allowed_by_policy`),
/// `budget.daily_usd` refuses a call that the day's committed spend leaves no room for (429
/// `budget_exceeded`), an identity no policy covers is refused (403 `no_policy_for_identity`),
/// and a shadow policy's would-be denial is recorded without being applied. Every decision, allow
/// or deny, goes on the call record (`CallRecord.policy`) and on the bus (`.policyDecision`),
/// shaped by the deciding policy's `spec.audit.record` (`PolicyEvidence`).
///
/// Daily budget: the call's USD estimate is the one governance reserves for the same call
/// (`GovernanceGate.dollarEstimate`: prompt ≈ body bytes / 4 plus `max_tokens` or the default
/// output cap, at the dearest price among the alias's deployments). Deciding and holding that
/// estimate are one step under the ledger's lock (`AgentBudgetLedger.admit`), so calls in
/// flight at once cannot pass the budget together: each decision sees settled + held spend.
/// `CallTrace.finish` replaces the hold with the real cost once (zero for a call that failed
/// before any cost; a stream that ended early, the client hanging up included, is charged at
/// least what was delivered: `EarlyEndSettlement`); a call whose real cost beats its estimate
/// (no `max_tokens`) can pass the budget by the difference. An identity with an enforced
/// daily budget cannot call an alias that has no price: 400 `model_unpriced`, as for
/// governance USD budgets.
///
/// On a cluster the daily budget is also reserved on the leased ledger first
/// (`WorkloadBudgetLease`), so the replicas together never pass it; when the cluster has no
/// room the decision is made with the cluster's committed spend.
enum PolicyGate {
    /// What the USD estimate of a model call needs from the endpoint.
    struct CallSize {
        var snapshot: ConfigSnapshot
        var bodyBytes: Int
        /// The request's output cap; nil uses the configured default (embeddings pass 0).
        var maxOutputTokens: Int?
    }

    static func authorizeModelCall(
        _ workload: WorkloadIdentity, alias: String, size: CallSize, runtime: GatewayRuntime, trace: CallTrace
    ) async throws(GatewayError) {
        let now = runtime.clock.now()
        let identity = workload.spiffeID.description
        let engine = runtime.policies.engine
        let context = DecisionContext(time: now, environment: workload.registration.environment)
        func request(_ spend: SpendSoFar?) -> DecisionRequest {
            DecisionRequest(identity: workload.spiffeID, action: .modelCall(alias: alias, spend: spend), context: context)
        }
        let price = GovernanceGate.dollarEstimate(
            alias: alias, bodyBytes: size.bodyBytes, maxOutputTokens: size.maxOutputTokens, snapshot: size.snapshot, runtime: runtime, at: now)
        let budget = engine.dailyBudget(for: workload.spiffeID)
        var decision: Decision
        var clusterRefusal: BudgetRejection?
        if let budget, let estimate = price,
            case .exhausted(let rejection)? = await WorkloadBudgetLease.reserve(
                identity: identity, limit: budget.amount, estimate: estimate, runtime: runtime, trace: trace)
        {
            // A cluster's replicas together have committed the day's budget: decided with the
            // cluster's figure, so the evidence names the budget rule.
            decision = engine.decide(request(SpendSoFar(today: Money(nanos: rejection.committed), estimate: estimate)))
            clusterRefusal = rejection
        } else if let estimate = price ?? (budget == nil ? .zero : nil) {
            let admitted = runtime.agentSpend.admit(requestId: trace.record.requestId, identity: identity, estimate: estimate, at: now) {
                engine.decide(request($0))
            }
            decision = admitted.decision
            if let hold = admitted.hold { trace.agentCharge = AgentSpendCharge(ledger: runtime.agentSpend, hold: hold) }
        } else {
            // Unpriced under a daily budget: decided (and recorded) for the other rules, never admitted.
            decision = engine.decide(request(SpendSoFar(today: runtime.agentSpend.committed(identity, at: now))))
        }
        let evidence = PolicyEvidence(decision, for: request(nil))
        trace.record.policy = evidence
        runtime.bus.publish(.policyDecision(requestId: trace.record.requestId, evidence: evidence))
        guard decision.isAllowed else { throw refusal(decision.verdict, alias: alias, identity: identity, now: now) }
        if let clusterRefusal { throw GovernanceGate.budgetExceeded(clusterRefusal, at: now) }
        if price == nil, let budget {
            throw GovernanceGate.unpriced(alias, budget: "the daily budget of \(identity) (policy '\(budget.policy)') is in USD")
        }
    }

    /// The error a denied model call gets, in the inbound API's shape (the endpoint renders it).
    static func refusal(_ verdict: Verdict, alias: String, identity: String, now: Date) -> GatewayError {
        let by = verdict.policy.map { "policy '\($0)' v\(verdict.version ?? 0) rule \(verdict.rule)" } ?? "rule \(verdict.rule)"
        switch verdict.reason {
        case DecisionReason.budgetExceeded:
            return .budgetExceeded(
                "The daily budget of \(identity) is exhausted (\(by)).",
                retryAfterSeconds: 86_400 - Int(now.timeIntervalSince1970.rounded(.down)) % 86_400)
        case DecisionReason.noPolicyForIdentity:
            return GatewayError(
                status: 403, type: .permissionError, code: .noPolicyForIdentity,
                message: "No AgentPolicy applies to \(identity), so it may not call models (\(by)).", param: nil)
        default:
            // Answered like an unknown alias (`ModelAccess`); the record keeps the policy's reason.
            return .modelNotAllowed(alias, recordedAs: .modelNotAllowedByPolicy)
        }
    }
}

/// A workload call's hold on its identity's daily budget: replaced by the real cost in
/// `CallTrace.finish`, or released if the trace ends without finishing.
struct AgentSpendCharge: Sendable {
    let ledger: AgentSpendLedger
    let hold: AgentBudgetLedger.Hold

    func settle(_ cost: Money) { ledger.settle(hold, actual: cost) }

    func release() { ledger.release(hold) }
}
