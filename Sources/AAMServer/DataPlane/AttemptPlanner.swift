import AAMCore
import Foundation

/// Yields the deployments to try for one request, in order: the alias's plan from
/// `RoutePlanner` (health, strategy, drains), `1 + retries` of them, then each fallback alias's
/// plan, inserting the `contextWindowFallback` alias when the prompt is too large for a
/// deployment's declared window or a vendor says so. Sleeps a jittered backoff between
/// attempts, never past the request's deadline.
struct AttemptPlanner {
    let runtime: GatewayRuntime
    let snapshot: ConfigSnapshot
    let estimatedPromptTokens: Int
    let requiredRegion: String?
    /// Providers this request can use at all (embeddings: not Anthropic).
    let accepts: @Sendable (ProviderConfig) -> Bool
    private var aliases: [String]
    private var aliasIndex = 0
    private var queue: [Deployment] = []
    private var attempts = 0
    private let deadline: ContinuousClock.Instant
    /// Earliest end of a rate-limit cooldown among aliases that had nothing else to offer.
    private var rateLimitedUntil: Date?
    /// Deployments passed over at their own `rpm`/`tpm` (`DeploymentAdmission`).
    private var passedOverAtLimit = 0
    /// Provider or deployment budgets that could not hold the call, earliest retry first.
    private var spentBudgets: [BudgetRejection] = []
    /// Why candidates were left out, for the final error message.
    private var skipped: [String] = []

    init(runtime: GatewayRuntime, snapshot: ConfigSnapshot, primary: String, estimatedPromptTokens: Int, requiredRegion: String? = nil,
         accepts: @escaping @Sendable (ProviderConfig) -> Bool = { _ in true }) {
        self.requiredRegion = requiredRegion
        self.accepts = accepts
        self.runtime = runtime
        self.snapshot = snapshot
        self.estimatedPromptTokens = estimatedPromptTokens
        var chain = [primary]
        for fallback in snapshot.settings(for: primary).fallbacks where !chain.contains(fallback) { chain.append(fallback) }
        self.aliases = chain
        // The alias's `timeoutMs` bounds each attempt; the request as a whole (all attempts,
        // fallbacks and backoff sleeps) is bounded by the gateway-wide request deadline.
        self.deadline = .now + .milliseconds(runtime.settings.requestDeadlineMs)
    }

    /// The next deployment to try, or nil when the plan is exhausted.
    mutating func next(trace: CallTrace) async throws -> (Deployment, ProviderConfig)? {
        while true {
            if queue.isEmpty {
                guard aliasIndex < aliases.count else { return nil }
                let alias = aliases[aliasIndex]
                aliasIndex += 1
                planAlias(alias)
                continue
            }
            let deployment = queue.removeFirst()
            guard let provider = snapshot.provider(named: deployment.provider) else { continue }
            if let window = deployment.contextWindow, estimatedPromptTokens > window {
                skipped.append("\(deployment.id) (context_window_exceeded)")
                _ = fallBackForContextWindow(from: deployment.alias)
                continue
            }
            if attempts > 0 {
                let remaining = deadline - .now
                guard let delay = runtime.backoff.delay(attempt: attempts, random: runtime.random, remainingUntilDeadline: remaining) else {
                    skipped.append("deadline reached")
                    return nil
                }
                try await Task.sleep(for: delay)
            }
            attempts += 1
            return (deployment, provider)
        }
    }

    /// Records a deployment passed over by the caller (named in the exhaustion error).
    mutating func note(skipped reason: String) {
        skipped.append(reason)
    }

    /// Records a deployment `DeploymentAdmission` turned down: at its rate limit, out of budget
    /// (its own or its provider's), or unpriced under a USD budget.
    mutating func passOver(_ deployment: Deployment, _ verdict: DeploymentAdmission.Verdict) {
        switch verdict {
        case .admitted: return
        case .rateLimited:
            passedOverAtLimit += 1
            skipped.append("\(deployment.id) (rate_limited)")
        case .budgetSpent(let rejection):
            spentBudgets.append(rejection)
            skipped.append("\(deployment.id) (budget_exceeded: \(rejection.key.scope))")
        case .unpriced:
            skipped.append("\(deployment.id) (model_unpriced)")
        }
    }

    /// Inserts the alias's `contextWindowFallback` next in line (once). True when there is one.
    mutating func fallBackForContextWindow(from alias: String) -> Bool {
        guard let target = snapshot.settings(for: alias).contextWindowFallback else { return false }
        if let existing = aliases.firstIndex(of: target), existing < aliasIndex { return false }
        aliases.removeAll { $0 == target }
        aliases.insert(target, at: aliasIndex)
        queue.removeAll()
        return true
    }

    private mutating func planAlias(_ alias: String) {
        let settings = snapshot.settings(for: alias)
        let candidates = (snapshot.deploymentsByAlias[alias] ?? []).filter { deployment in
            guard snapshot.isRoutable(deployment), let provider = snapshot.provider(named: deployment.provider) else {
                skipped.append("\(deployment.id) (drained)")
                return false
            }
            guard accepts(provider) else {
                skipped.append("\(deployment.id) (unsupported_by_provider)")
                return false
            }
            return true
        }
        let plan = RoutePlanner.plan(
            candidates: candidates, strategy: settings.strategy, requiredRegion: requiredRegion, health: runtime.health, now: runtime.clock.now(), random: runtime.random)
        skipped.append(contentsOf: plan.skipped.map { "\($0.deployment.id) (\($0.reason.code))" })
        switch plan {
        case .attempts(let deployments, _):
            queue = Array(deployments.prefix(1 + settings.retries))
        case .rateLimited(let retryAt, _):
            rateLimitedUntil = min(rateLimitedUntil ?? retryAt, retryAt)
        case .unavailable:
            break
        }
    }

    /// The error when nothing served the request: 429 with `retry-after` when everything was
    /// cooling down from rate limits, otherwise 502/503/504 listing what was tried and why.
    func exhaustedError(alias: String, trace: CallTrace) -> GatewayError {
        let attempts = trace.record.attempts
        let now = runtime.clock.now()
        if attempts.isEmpty, let until = rateLimitedUntil {
            let seconds = max(1, Int(until.timeIntervalSince(now).rounded(.up)))
            return .rateLimitExceeded(
                "Every deployment for '\(alias)' is rate limited. Skipped: \(skipped.joined(separator: ", ")).", retryAfterSeconds: seconds)
        }
        if attempts.isEmpty, passedOverAtLimit == 0, let budgetError = budgetError(alias: alias, at: now) {
            return budgetError
        }
        if attempts.isEmpty {
            return .noDeployment(alias, skipped: skipped)
        }
        // Deployments that just answered 429 are now cooling down until the vendor's reset.
        var cooldownEnd = rateLimitedUntil
        for attempt in attempts where attempt.errorCode == .rateLimited {
            if case .rateLimited(let until) = runtime.health.availability(attempt.deployment, at: now) {
                cooldownEnd = min(cooldownEnd ?? until, until)
            }
        }
        let retryAfter = cooldownEnd.map { max(1, Int($0.timeIntervalSince(now).rounded(.up))) }
        var error = UpstreamErrorPolicy.exhausted(alias: alias, attempts: attempts, retryAfter: retryAfter)
        if !skipped.isEmpty { error.message += " Skipped: \(skipped.joined(separator: ", "))." }
        return error
    }
}

extension AttemptPlanner {
    /// 429 `budget_exceeded` when provider or deployment budgets turned every candidate down
    /// (nothing was tried, nothing was rate limited): retry when the first of them starts over.
    fileprivate func budgetError(alias: String, at now: Date) -> GatewayError? {
        guard let first = spentBudgets.first else { return nil }
        let scopes = Array(Set(spentBudgets.map { "\($0.key.scope)" })).sorted()
        let retry = spentBudgets.compactMap { $0.window.retryAfter }.min()
        return .budgetExceeded(
            "No deployment of '\(alias)' has budget left for this request: the \(first.period.rawValue) budget of "
                + "\(scopes.joined(separator: ", ")) is exhausted. Skipped: \(skipped.joined(separator: ", ")).",
            retryAfterSeconds: retry.map { max(1, Int($0.timeIntervalSince(now).rounded(.up))) })
    }
}

/// Records one upstream attempt in the call record and reports its outcome to the health
/// registry exactly once.
struct AttemptOutcome {
    let runtime: GatewayRuntime
    let ticket: AttemptTicket
    let deployment: Deployment
    let trace: CallTrace
    let started = ContinuousClock.now
    private var healthReported = false

    init(runtime: GatewayRuntime, ticket: AttemptTicket, deployment: Deployment, trace: CallTrace) {
        self.runtime = runtime
        self.ticket = ticket
        self.deployment = deployment
        self.trace = trace
    }

    mutating func failed(status: Int?, errorClass: ErrorCode, outcome: UpstreamOutcome) {
        trace.recordAttempt(deployment, status: status, errorClass: errorClass, since: started)
        finishHealth(outcome)
    }

    /// The answer is being relayed: the deployment is healthy (latency = time to the head).
    mutating func succeeded() {
        finishHealth(.success)
    }

    mutating func finishHealth(_ outcome: UpstreamOutcome) {
        guard !healthReported else { return }
        healthReported = true
        runtime.publish(runtime.health.finish(ticket, outcome: outcome, at: runtime.clock.now(), latency: ContinuousClock.now - started))
    }
}
