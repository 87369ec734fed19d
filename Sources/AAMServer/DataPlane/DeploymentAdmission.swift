import AAMCore
import Foundation

/// What one attempt on a deployment must pass before it is sent: the deployment's `rpm`/`tpm`
/// and the budgets of its provider (a vendor account's cap) and of the deployment itself.
/// A deployment that fails is passed over like one at its rate limit, and routing moves on
/// to the next deployment or fallback alias; the call is refused only when nothing with
/// budget and capacity left can serve it (`AttemptPlanner.exhaustedError`).
///
/// The estimate is this deployment's: prompt ≈ body bytes / 4 plus the output cap, priced at
/// its own price. A USD budget on a deployment with no price cannot be judged, so the
/// deployment is passed over (`model_unpriced`), never used for free. The holds are settled
/// in `CallTrace.finish`: the deployment that served with the real cost and tokens, the others
/// with nothing. On a cluster both the budgets and the limits are leased slices of the shared
/// state in Postgres, like the scope chain's (`GovernanceGate.admit`).
enum DeploymentAdmission {
    enum Verdict: Sendable {
        case admitted
        case rateLimited
        case budgetSpent(BudgetRejection)
        case unpriced
    }

    /// The call's size as the estimate needs it.
    struct CallSize: Sendable {
        var promptTokens: Int
        /// The request's output cap; nil uses the configured default (embeddings pass 0).
        var maxOutputTokens: Int?
    }

    /// The ledger's id of a call's hold on one deployment: stable, so that a restart's replay
    /// of the call record (`GovernancePersistence`) is recognised as already settled.
    static func holdId(_ requestId: String, deployment: String, ordinal: Int = 0) -> String {
        "\(requestId)#\(deployment)#\(ordinal)"
    }

    static func chain(_ deployment: Deployment, provider: ProviderConfig) -> [ScopeBudgets] {
        var chain: [ScopeBudgets] = []
        if let budgets = provider.budgets, !budgets.isEmpty { chain.append(ScopeBudgets(scope: GovernanceScope(.provider, provider.name), budgets: budgets)) }
        if let budgets = deployment.budgets, !budgets.isEmpty { chain.append(ScopeBudgets(scope: GovernanceScope(.deployment, deployment.id), budgets: budgets)) }
        return chain
    }

    static func admit(
        _ deployment: Deployment, provider: ProviderConfig, size: CallSize, runtime: GatewayRuntime, trace: CallTrace
    ) async -> Verdict {
        let chain = chain(deployment, provider: provider)
        guard !chain.isEmpty || (deployment.rpm ?? 0) > 0 || (deployment.tpm ?? 0) > 0 else { return .admitted }
        let now = runtime.governanceClock.now()
        var price: ModelPrice?
        if chain.hasDollarLimit {
            guard let found = runtime.prices.price(provider: provider.name, model: deployment.upstreamModel, at: now) else { return .unpriced }
            price = found
        }
        let estimate: Spend
        do {
            estimate = try CallEstimate(
                promptTokens: size.promptTokens, maxOutputTokens: size.maxOutputTokens, defaultOutputCap: runtime.settings.defaultOutputCap,
                price: price
            ).spend
        } catch {
            // Too large to price in nano-dollars: no budget can hold it.
            guard let first = chain.first, let budget = first.budgets.first else { return .unpriced }
            let window = budget.period.window(containing: now)
            return .budgetSpent(BudgetRejection(
                key: BudgetKey(scope: first.scope, budgetId: budget.id), period: budget.period, dimension: .usd,
                limit: budget.usdLimit?.nanos ?? 0, committed: 0, requested: .max, window: window))
        }
        var charges: [RateCharge] = []
        if let rpm = deployment.rpm, rpm > 0 {
            charges.append(RateCharge(key: .deployment(deployment.id, .requests), cost: 1, limitPerMinute: Int64(rpm)))
        }
        if let tpm = deployment.tpm, tpm > 0 {
            charges.append(RateCharge(key: .deployment(deployment.id, .tokens), cost: estimate.tokens, limitPerMinute: Int64(tpm)))
        }
        let ordinal = trace.deploymentHolds.filter { $0.deployment == deployment.id }.count
        let requestId = holdId(trace.record.requestId, deployment: deployment.id, ordinal: ordinal)
        switch await LeasedAdmission.admit(runtime: runtime, requestId: requestId, chain: chain, estimate: estimate, charges: charges) {
        case .admitted(let admission):
            trace.deploymentHolds.append((deployment.id, GovernanceHold(admission, runtime: runtime)))
            return .admitted
        case .budgetExceeded(let rejection):
            return .budgetSpent(rejection)
        case .rateLimited:
            return .rateLimited
        }
    }
}
