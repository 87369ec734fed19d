import AAMCore
import Foundation
import HTTPTypes
import Hummingbird

/// What an admitted call holds until it ends: settled exactly once by `CallTrace.finish`.
struct GovernanceHold: Sendable {
    let state: GovernanceState
    let admission: Admission
    let clock: any WallClock
}

/// Budgets, rate limits and model allow-lists of the scope chain (key -> project -> team -> org),
/// applied before routing.
///
/// Estimate: prompt tokens ≈ body bytes / 4, plus `max_tokens` / `max_completion_tokens`, or
/// `DataPlaneSettings.defaultOutputCap` when the request gives neither. With `max_tokens` the
/// estimate is an upper bound and no set of concurrent calls can push a token budget past its
/// limit; without it a budget may be overrun by at most Σ(actual − estimate) of the calls in
/// flight at once. Rate limits are GCRA (`RateLimiter`): RPM charges 1, TPM charges the
/// estimated tokens, corrected to the real tokens at settle.
///
/// USD: the estimate uses the dearest price among the alias's deployments (fallback aliases
/// are not priced in; their real cost is settled). When the chain carries a USD budget and any
/// deployment of the alias has no price (`PUT /admin/pricing`), the call is refused with 400
/// `model_unpriced` (never silently free) and the model is listed by
/// `GET /admin/pricing/unpriced`. Token budgets, RPM and TPM need no price. Deployment
/// `rpm`/`tpm` and provider and deployment budgets are charged per attempt
/// (`DeploymentAdmission`): a deployment at its limit or out of budget is skipped like an
/// unhealthy one.
enum GovernanceGate {
    struct Link {
        var scope: GovernanceScope
        var budgets: [Budget]
        var rpm: Int64?
        var tpm: Int64?
    }

    /// The chain of `key`, broadest first (org, team, project, key); missing scopes are skipped.
    static func links(for key: VirtualKey, in state: ConfigState) -> [Link] {
        var links: [Link] = []
        if let org = state.orgs[key.orgId] {
            links.append(Link(scope: GovernanceScope(.org, org.id), budgets: org.budgets ?? [], rpm: org.rpm, tpm: org.tpm))
        }
        if let teamId = key.teamId, let team = state.teams[teamId] {
            links.append(Link(scope: GovernanceScope(.team, team.id), budgets: team.budgets ?? [], rpm: team.rpm, tpm: team.tpm))
        }
        if let projectId = key.projectId, let project = state.projects[projectId] {
            links.append(Link(scope: GovernanceScope(.project, project.id), budgets: project.budgets ?? [], rpm: project.rpm, tpm: project.tpm))
        }
        links.append(Link(scope: GovernanceScope(.key, key.id), budgets: key.budgets ?? [], rpm: key.rpm, tpm: key.tpm))
        return links
    }

    /// Reserves the estimate and charges the rate limits atomically (after `ModelAccess`).
    /// On success the hold is stored on `trace` (settled by `finish`) and the success headers
    /// are returned; a refusal throws the 429 (or 400/403) to send, with its headers on `trace`.
    /// - Parameter maxOutputTokens: the request's output cap; nil uses the configured default
    ///   (embeddings pass 0: they produce no output tokens).
    ///
    /// With several replicas a slice or allowance that runs short is renewed and the call tried
    /// again (`LeasedAdmission`); nothing waits while they suffice.
    static func admit(
        runtime: GatewayRuntime, key: VirtualKey, snapshot: ConfigSnapshot, alias: String, bodyBytes: Int, maxOutputTokens: Int?,
        trace: CallTrace
    ) async throws(GatewayError) -> HTTPFields {
        let inbound = (alias: alias, bodyBytes: bodyBytes)
        // The allow-lists were decided before admission (`ModelAccess`, one answer for every refusal).
        let links = links(for: key, in: snapshot.state)
        let chain = links.filter { !$0.budgets.isEmpty }.map { ScopeBudgets(scope: $0.scope, budgets: $0.budgets) }
        let hasRateLimits = links.contains { $0.rpm != nil || $0.tpm != nil }
        guard !chain.isEmpty || hasRateLimits else { return [:] }
        let now = runtime.governanceClock.now()
        let outputTokens = maxOutputTokens ?? runtime.settings.defaultOutputCap
        // USD budgets need a price: the dearest deployment of the alias bounds the estimate.
        var price: ModelPrice?
        if chain.hasDollarLimit {
            switch dearestPrice(alias: inbound.alias, promptTokens: inbound.bodyBytes / 4, outputTokens: outputTokens, snapshot: snapshot, runtime: runtime, at: now) {
            case .unpriced: throw unpriced(inbound.alias, budget: "a budget on this key's scope chain is in USD")
            case .noDeployment: price = nil
            case .priced(let found): price = found
            }
        }
        let estimate: CallEstimate
        do {
            estimate = try CallEstimate(
                promptTokens: inbound.bodyBytes / 4, maxOutputTokens: maxOutputTokens,
                defaultOutputCap: runtime.settings.defaultOutputCap, price: price)
        } catch {
            throw .invalidRequest("The request is too large to estimate.")
        }
        var charges: [RateCharge] = []
        for link in links {
            if let rpm = link.rpm { charges.append(RateCharge(key: RateLimitKey(scope: link.scope, dimension: .requests), cost: 1, limitPerMinute: rpm)) }
            if let tpm = link.tpm {
                charges.append(RateCharge(key: RateLimitKey(scope: link.scope, dimension: .tokens), cost: estimate.spend.tokens, limitPerMinute: tpm))
            }
        }
        let decision = await LeasedAdmission.admit(
            runtime: runtime, requestId: trace.record.requestId, chain: chain, estimate: estimate.spend, charges: charges)
        switch decision {
        case .admitted(let admission):
            if runtime.governanceAdmissions.wrappingAdd(1, ordering: .relaxed).newValue % 4096 == 0 {
                prune(runtime.governance, state: snapshot.state, at: now)
            }
            trace.governance = GovernanceHold(admission, runtime: runtime)
            return headers(for: admission.rateStatuses)
        case .budgetExceeded(let rejection):
            throw budgetExceeded(rejection, at: now)
        case .rateLimited(let refusal):
            try refuse(refusal, trace: trace)
            return [:]
        }
    }

    /// Renewals one admission may wait for (`LeasedAdmission`): one per budget and limit.
    static let maxLeaseRounds = 8

    /// The budget `key` names in `state` (its scope's budget of that id), if it still exists.
    /// A workload's daily budget comes from its AgentPolicy (`policies`).
    static func budget(of key: BudgetKey, in state: ConfigState, policies: PolicyEngine? = nil) -> Budget? {
        let budgets: [Budget]?
        switch key.scope.kind {
        case .org: budgets = state.orgs[key.scope.id]?.budgets
        case .team: budgets = state.teams[key.scope.id]?.budgets
        case .project: budgets = state.projects[key.scope.id]?.budgets
        case .key: budgets = state.keys[key.scope.id]?.budgets
        case .provider: budgets = state.providers[key.scope.id]?.budgets
        case .deployment: budgets = state.deployments[key.scope.id]?.budgets
        case .workload:
            budgets = (try? SPIFFEID(key.scope.id)).flatMap { policies?.dailyBudget(for: $0) }.map { [WorkloadDailyBudget.budget($0.amount)] }
        }
        return budgets?.first { $0.id == key.budgetId }
    }

    static func budgetExceeded(_ rejection: BudgetRejection, at now: Date) -> GatewayError {
        let what = rejection.dimension == .tokens ? "token" : "USD"
        return .budgetExceeded(
            "The \(rejection.period.rawValue) \(what) budget of \(rejection.key.scope) is exhausted for this request.",
            retryAfterSeconds: rejection.retryAfterHeader(at: now).flatMap { Int($0) })
    }

    /// A call for an alias that does not exist is recorded like any call, so it costs one
    /// request on every RPM limit of the key's scope chain (nothing else: it has no tokens):
    /// unknown models cannot flood the evidence past the key's rate. Throws the 429 at the limit.
    static func chargeUnknownModel(runtime: GatewayRuntime, key: VirtualKey, snapshot: ConfigSnapshot, trace: CallTrace) throws(GatewayError) {
        let charges = links(for: key, in: snapshot.state).compactMap { link in
            link.rpm.map { RateCharge(key: RateLimitKey(scope: link.scope, dimension: .requests), cost: 1, limitPerMinute: $0) }
        }
        guard !charges.isEmpty else { return }
        switch runtime.governance.admit(requestId: trace.record.requestId, chain: [], estimate: .zero, rateCharges: charges, at: runtime.governanceClock.now()) {
        case .admitted(let admission):
            trace.governance = GovernanceHold(admission, runtime: runtime)
        case .rateLimited(.leaseShort):
            return  // no allowance left on this replica: not charged (its calls renew it)
        case .rateLimited(let decision):
            try refuse(decision, trace: trace)
        case .budgetExceeded:
            return  // no budget on an empty chain
        }
    }

    /// Throws the 429 of a rate-limit refusal (its `x-ratelimit-*` headers go on `trace`).
    private static func refuse(_ decision: RateLimitDecision, trace: CallTrace) throws(GatewayError) {
        switch decision {
        case .limited(let status, _):
            trace.rateLimitHeaders = headers(for: [status])
            throw limitReached(status.key, limit: status.limit, retryAfterSeconds: decision.retryAfterHeader.flatMap { Int($0) })
        case .tooLarge(let key, let limit):
            throw .rateLimitExceeded(
                "This request needs more than the whole limit of \(key.subject) (\(limit) \(key.dimension.rawValue) per minute).",
                retryAfterSeconds: nil)
        case .allowed:
            return
        case .leaseShort(let charge):
            // Only where no renewal can be awaited (an unknown model's RPM charge): refused as limited.
            throw limitReached(charge.key, limit: charge.limitPerMinute, retryAfterSeconds: 1)
        }
    }

    /// The 429 for a key at its limit.
    private static func limitReached(_ key: RateLimitKey, limit: Int64, retryAfterSeconds: Int?) -> GatewayError {
        .rateLimitExceeded(
            "Rate limit reached for \(key.subject): \(limit) \(key.dimension.rawValue) per minute.", retryAfterSeconds: retryAfterSeconds)
    }

    /// How the alias prices a call: the basis of every USD estimate.
    enum AliasPrice {
        /// The dearest price among the alias's deployments (for this call's tokens).
        case priced(ModelPrice)
        /// Some deployment of the alias has no price: a USD budget cannot admit the call.
        case unpriced
        /// The alias has no deployment (routing answers that).
        case noDeployment
    }

    /// The dearest price among `alias`'s deployments for a call of these tokens (fallback
    /// aliases are not priced in; their real cost is settled). A miss is remembered by the
    /// price book (`GET /admin/pricing/unpriced`).
    static func dearestPrice(
        alias: String, promptTokens: Int, outputTokens: Int, snapshot: ConfigSnapshot, runtime: GatewayRuntime, at now: Date
    ) -> AliasPrice {
        var dearest: (price: ModelPrice, usd: Money)?
        for deployment in snapshot.deploymentsByAlias[alias] ?? [] {
            guard let found = runtime.prices.price(provider: deployment.provider, model: deployment.upstreamModel, at: now) else { return .unpriced }
            let usd = (try? found.estimate(promptTokens: promptTokens, maxOutputTokens: outputTokens)) ?? .max
            if dearest.map({ usd > $0.usd }) ?? true { dearest = (found, usd) }
        }
        return dearest.map { .priced($0.price) } ?? .noDeployment
    }

    /// The USD a call reserves, as `admit` estimates it for the scope chain's USD budgets
    /// (`CallEstimate` at `dearestPrice`); nil when the alias is unpriced. Workload daily budgets
    /// (`PolicyGate`) hold the same amount.
    static func dollarEstimate(
        alias: String, bodyBytes: Int, maxOutputTokens: Int?, snapshot: ConfigSnapshot, runtime: GatewayRuntime, at now: Date
    ) -> Money? {
        let cap = runtime.settings.defaultOutputCap
        switch dearestPrice(alias: alias, promptTokens: bodyBytes / 4, outputTokens: maxOutputTokens ?? cap, snapshot: snapshot, runtime: runtime, at: now) {
        case .unpriced: return nil
        case .noDeployment: return .zero
        case .priced(let price):
            // A call too large to price in Int64 nano-dollars cannot fit any budget.
            return (try? CallEstimate(promptTokens: bodyBytes / 4, maxOutputTokens: maxOutputTokens, defaultOutputCap: cap, price: price))?.spend.usd ?? .max
        }
    }

    /// The 400 for a call a USD budget cannot price (never silently free).
    static func unpriced(_ alias: String, budget: String) -> GatewayError {
        GatewayError(
            status: 400, type: .invalidRequestError, code: .modelUnpriced,
            message: "The model '\(alias)' has no price, and \(budget); ask an administrator to set its price.", param: "model")
    }

    /// Bounds memory: forgets settled request ids older than the replay's need
    /// (`GovernancePersistence.settledIdRetention`) and drained or unconfigured rate-limit cells.
    static func prune(_ governance: GovernanceState, state: ConfigState, at now: Date) {
        var limits: [RateLimitKey: Int64] = [:]
        func add(_ scope: GovernanceScope, _ rpm: Int64?, _ tpm: Int64?) {
            if let rpm { limits[RateLimitKey(scope: scope, dimension: .requests)] = rpm }
            if let tpm { limits[RateLimitKey(scope: scope, dimension: .tokens)] = tpm }
        }
        for org in state.orgs.values { add(GovernanceScope(.org, org.id), org.rpm, org.tpm) }
        for team in state.teams.values { add(GovernanceScope(.team, team.id), team.rpm, team.tpm) }
        for project in state.projects.values { add(GovernanceScope(.project, project.id), project.rpm, project.tpm) }
        for key in state.keys.values { add(GovernanceScope(.key, key.id), key.rpm, key.tpm) }
        for deployment in state.deployments.values {
            if let rpm = deployment.rpm, rpm > 0 { limits[.deployment(deployment.id, .requests)] = Int64(rpm) }
            if let tpm = deployment.tpm, tpm > 0 { limits[.deployment(deployment.id, .tokens)] = Int64(tpm) }
        }
        governance.prune(at: now, keepSettledIdsFor: GovernancePersistence.settledIdRetention) { limits[$0] }
    }

    /// The request's output cap, as validated by `InboundRequest` (`RequestBounds.outputCap`),
    /// times its choices (`n`): every choice may write up to the cap, and the vendor bills them
    /// all. Without a cap, `n` > 1 reserves the default cap per choice. Bounded: 10⁸ × 128.
    static func maxOutputTokens(_ inbound: InboundRequest, runtime: GatewayRuntime) -> Int? {
        guard inbound.choices > 1 else { return inbound.maxOutputTokens }
        return (inbound.maxOutputTokens ?? runtime.settings.defaultOutputCap).multipliedReportingOverflow(by: inbound.choices).partialValue
    }

    /// `x-ratelimit-*` headers: per dimension, the tightest status (least remaining).
    static func headers(for statuses: [RateLimitStatus]) -> HTTPFields {
        var fields = HTTPFields()
        for dimension in [RateLimitKey.Dimension.requests, .tokens] {
            guard let tightest = statuses.filter({ $0.key.dimension == dimension }).min(by: { $0.remaining < $1.remaining }) else { continue }
            for (name, value) in tightest.headers {
                if let name = HTTPField.Name(name) { fields[name] = value }
            }
        }
        return fields
    }
}
