import AAMControlProtocol
import AAMCore
import Foundation

/// Answers the control socket's snapshot queries from what the daemon holds in memory: the
/// config snapshot, live health, the governance ledger, key last-used times and the control
/// activity figures. No store access, no awaits; never a secret (no key hash, no credential).
struct ControlQueries: Sendable {
    let runtime: GatewayRuntime
    let activity: ControlActivity
    /// Who the daemon is (its port is known only once it listens, hence a closure).
    let daemonInfo: @Sendable () -> DaemonInfo
    let subscribers: @Sendable () -> Int

    var daemon: DaemonInfo { daemonInfo() }

    func answer(_ query: ControlQuery, id: Int?) -> ControlMessage {
        let now = runtime.clock.now()
        var message = ControlMessage(type: .result, id: id)
        switch query {
        case .status: message.status = status()
        case .providers: message.providers = providers(at: now)
        case .spend: message.spend = spend(at: now)
        case .keys: message.keys = keys(at: now)
        case .aliases: message.aliases = aliases()
        case .guardrails: message.guardrails = activity.guardrailSummary(at: now)
        case .agents: message.agents = agents(at: now)
        case .replicas: message.replicas = replicas(at: now)
        case .trends: message.trends = activity.trendHistory(at: now)
        }
        return message
    }

    /// Deployments that take no new calls because they or their provider are drained.
    func drainedDeployments() -> Set<String> {
        let state = runtime.snapshots.snapshot.state
        return Set(state.deployments.values.filter { $0.drained || state.providers[$0.provider]?.drained == true }.map(\.id))
    }

    func status() -> StatusView {
        let snapshot = runtime.snapshots.snapshot
        let counts = activity.counts
        return StatusView(
            daemon: daemon, configVersion: snapshot.version, callsSinceStart: counts.calls, errorsSinceStart: counts.errors,
            subscribers: subscribers(), providers: snapshot.state.providers.count, deployments: snapshot.state.deployments.count,
            aliases: snapshot.aliasNames.count, keys: snapshot.state.keys.count, cluster: clusterHealth(at: runtime.clock.now()))
    }

    /// One row per deployment, by alias then id.
    func providers(at now: Date) -> [ProviderRow] {
        let state = runtime.snapshots.snapshot.state
        return state.deployments.values.sorted { ($0.alias, $0.id) < ($1.alias, $1.id) }.map { deployment in
            let health = runtime.health.snapshot(deployment.id, at: now)
            let latency = activity.percentiles(of: deployment.id, at: now)
            return ProviderRow(
                deployment: deployment.id, alias: deployment.alias, provider: deployment.provider, upstreamModel: deployment.upstreamModel,
                state: health.state.rawValue, reason: health.reason?.rawValue, cooldownRemainingSeconds: health.remainingCooldownSeconds,
                errorRate: health.errorRate, requestsInWindow: health.requestsInWindow, inFlight: health.inFlight, p50Ms: latency?.p50,
                p95Ms: latency?.p95, deploymentDrained: deployment.drained, providerDrained: state.providers[deployment.provider]?.drained ?? false,
                weight: deployment.weight, priority: deployment.priority)
        }
    }

    /// The org/team/project/key tree, parent first: each org, its keys without team or project,
    /// its teams (each with its keys, then its projects and their keys), then its projects that
    /// belong to no team.
    ///
    /// Then every provider and deployment that carries a budget (kind `provider` /
    /// `deployment`). On a cluster each bar is the cluster's (`committed(_:on:shown:)`).
    func spend(at now: Date) -> [SpendRow] {
        let state = runtime.snapshots.snapshot.state
        var rows: [SpendRow] = []
        var wanted: [(BudgetKey, BudgetWindow)] = []
        defer { refreshClusterWindows(wanted) }
        func add(_ scope: GovernanceScope, parent: String?, name: String?, budgets: [Budget]?) {
            let activity = activity.spend(scope, at: now)
            let bars = (budgets ?? []).map { budget in
                let committed = committed(budget, on: scope, shown: &wanted)
                return BudgetBar(
                    period: budget.period.rawValue, spentUSD: committed.usd.description, limitUSD: budget.usdLimit?.description,
                    tokens: Int(committed.tokens), tokenLimit: budget.tokenLimit.map { Int($0) })
            }
            rows.append(
                SpendRow(
                    kind: scope.kind.rawValue, id: scope.id, parent: parent, name: name, budgets: bars, tokensToday: activity.today.tokens,
                    spentTodayUSD: activity.today.usd.description, burnRateUSDPerHour: activity.burnRate.description))
        }
        func addKeys(_ keys: [VirtualKey], parent: String) {
            for key in keys.sorted(by: { $0.id < $1.id }) {
                add(GovernanceScope(.key, key.id), parent: parent, name: key.name, budgets: key.budgets)
            }
        }
        let keys = Array(state.keys.values)
        for org in state.orgs.values.sorted(by: { $0.id < $1.id }) {
            add(GovernanceScope(.org, org.id), parent: nil, name: org.name, budgets: org.budgets)
            addKeys(keys.filter { $0.orgId == org.id && $0.teamId == nil && $0.projectId == nil }, parent: org.id)
            let projects = state.projects.values.filter { $0.orgId == org.id }.sorted { $0.id < $1.id }
            for team in state.teams.values.filter({ $0.orgId == org.id }).sorted(by: { $0.id < $1.id }) {
                add(GovernanceScope(.team, team.id), parent: org.id, name: team.name, budgets: team.budgets)
                addKeys(keys.filter { $0.orgId == org.id && $0.teamId == team.id && $0.projectId == nil }, parent: team.id)
                for project in projects where project.teamId == team.id {
                    add(GovernanceScope(.project, project.id), parent: team.id, name: project.name, budgets: project.budgets)
                    addKeys(keys.filter { $0.projectId == project.id }, parent: project.id)
                }
            }
            for project in projects where project.teamId == nil {
                add(GovernanceScope(.project, project.id), parent: org.id, name: project.name, budgets: project.budgets)
                addKeys(keys.filter { $0.projectId == project.id }, parent: project.id)
            }
        }
        for provider in state.providers.values.sorted(by: { $0.name < $1.name }) where provider.budgets?.isEmpty == false {
            add(GovernanceScope(.provider, provider.name), parent: nil, name: nil, budgets: provider.budgets)
        }
        for deployment in state.deployments.values.sorted(by: { $0.id < $1.id }) where deployment.budgets?.isEmpty == false {
            add(GovernanceScope(.deployment, deployment.id), parent: deployment.provider, name: deployment.alias, budgets: deployment.budgets)
        }
        return rows
    }

    /// A budget's committed spend in its current window (`GatewayRuntime.committedSpend`). The
    /// window shown is added to `shown`, for `refreshClusterWindows`.
    func committed(_ budget: Budget, on scope: GovernanceScope, shown: inout [(BudgetKey, BudgetWindow)]) -> Spend {
        let committed = runtime.committedSpend(budget, on: scope)
        shown.append((committed.key, committed.window))
        return committed.spend
    }

    /// Asks the cluster cache for fresh figures of the windows just shown (a no-op on one node).
    func refreshClusterWindows(_ wanted: [(BudgetKey, BudgetWindow)]) {
        guard let book = runtime.budgetLeases, !wanted.isEmpty else { return }
        runtime.clusterSpend.refreshIfStale(wanted, store: book.store)
    }

    func keys(at now: Date) -> [KeyRow] {
        runtime.snapshots.snapshot.state.keys.values.sorted { $0.id < $1.id }.map { key in
            KeyRow(
                id: key.id, prefix: key.prefix, name: key.name, scope: Self.scopePath(key), state: Self.keyState(key, at: now),
                expiresAt: key.expiresAt, lastUsedAt: runtime.keyUsage.lastUsed(key.id), createdAt: key.createdAt)
        }
    }

    func aliases() -> [AliasRow] {
        let snapshot = runtime.snapshots.snapshot
        return snapshot.aliasNames.sorted().map { name in
            let settings = snapshot.settings(for: name)
            let members = (snapshot.deploymentsByAlias[name] ?? []).map { deployment in
                AliasRow.Member(
                    deployment: deployment.id, provider: deployment.provider, upstreamModel: deployment.upstreamModel,
                    weight: deployment.weight, priority: deployment.priority, drained: !snapshot.isRoutable(deployment))
            }
            return AliasRow(name: name, strategy: settings.strategy.rawValue, fallbacks: settings.fallbacks, retries: settings.retries, deployments: members)
        }
    }

    /// One row per registered workload, by SPIFFE ID: the most specific policy that applies,
    /// its model grant, the tightest enforced daily budget with today's spend, and decisions since start.
    func agents(at now: Date) -> [AgentRow] {
        let engine = runtime.policies.engine
        var wanted: [(BudgetKey, BudgetWindow)] = []
        defer { refreshClusterWindows(wanted) }
        return runtime.snapshots.snapshot.state.workloads.values.sorted { $0.spiffeId < $1.spiffeId }.map { workload in
            let id = try? SPIFFEID(workload.spiffeId)
            let policy = id.flatMap { engine.applicablePolicies(for: $0).first }.flatMap { engine.policy(named: $0) }
            let budget = id.flatMap { engine.dailyBudget(for: $0) }
            let counts = activity.policyCounts(of: workload.spiffeId)
            var spentToday = runtime.agentSpend.today(workload.spiffeId, at: now)
            if let budget, runtime.budgetLeases != nil {
                // A cluster: the day's spend of every replica (`WorkloadBudgetLease`).
                let committed = committed(WorkloadDailyBudget.budget(budget.amount), on: WorkloadDailyBudget.scope(workload.spiffeId), shown: &wanted)
                spentToday = max(spentToday, committed.usd)
            }
            return AgentRow(
                spiffeId: workload.spiffeId, owner: workload.owner, team: workload.team, environment: workload.environment,
                policy: policy?.name, policyVersion: policy?.version, policyMode: policy?.mode.rawValue,
                allowedModels: policy?.models?.allow ?? [], dailyBudgetUSD: budget?.amount.description,
                spentTodayUSD: spentToday.description,
                allowed: counts.allowed, denied: counts.denied, lastDecision: counts.last)
        }
    }

    static func scopePath(_ key: VirtualKey) -> String {
        [key.orgId, key.teamId, key.projectId].compactMap { $0 }.joined(separator: "/")
    }

    /// `revoked`, `expired`, `grace` (a rotated-out secret is still accepted) or `active`.
    static func keyState(_ key: VirtualKey, at now: Date) -> String {
        if key.revokedAt != nil { return "revoked" }
        if let expiry = key.expiresAt, expiry <= now { return "expired" }
        if key.graceSecretHash != nil, let until = key.graceUntil, until > now { return "grace" }
        return "active"
    }
}
