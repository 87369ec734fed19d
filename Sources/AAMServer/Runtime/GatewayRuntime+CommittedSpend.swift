import AAMCore

extension GatewayRuntime {
    /// A budget's committed spend in its current window, and that window: on one node the
    /// ledger's; on a cluster what Postgres last said was settled plus what this replica holds
    /// and has not reported (`ClusterSpendCache`), or this replica's alone until the first
    /// read. Shared by the console's spend view and `/metrics`, so both show the same figure.
    func committedSpend(_ budget: Budget, on scope: GovernanceScope) -> (spend: Spend, key: BudgetKey, window: BudgetWindow) {
        // The window the ledger uses: cut on the governance clock (the database's on a cluster).
        let counter = governance.usage(of: budget, on: scope, at: governanceClock.now())
        let key = BudgetKey(scope: scope, budgetId: budget.id)
        guard budgetLeases != nil, let settled = clusterSpend.settled(key, counter.window) else { return (counter.committed, key, counter.window) }
        let local = governance.leaseView(key, window: counter.window)
        return (settled.adding(local.slice.localUse(of: local.counter)), key, counter.window)
    }

    /// Every budget the configuration carries, with its scope: orgs, teams, projects, keys,
    /// providers and deployments.
    var configuredBudgets: [(scope: GovernanceScope, budget: Budget)] {
        let state = snapshots.snapshot.state
        var all: [(GovernanceScope, Budget)] = []
        func add(_ scope: GovernanceScope, _ budgets: [Budget]?) { for budget in budgets ?? [] { all.append((scope, budget)) } }
        for org in state.orgs.values { add(GovernanceScope(.org, org.id), org.budgets) }
        for team in state.teams.values { add(GovernanceScope(.team, team.id), team.budgets) }
        for project in state.projects.values { add(GovernanceScope(.project, project.id), project.budgets) }
        // A revoked key spends nothing more: its series would only linger.
        for key in state.keys.values where key.revokedAt == nil { add(GovernanceScope(.key, key.id), key.budgets) }
        for provider in state.providers.values { add(GovernanceScope(.provider, provider.name), provider.budgets) }
        for deployment in state.deployments.values { add(GovernanceScope(.deployment, deployment.id), deployment.budgets) }
        return all
    }

    /// `/metrics`' budget gauges now.
    var budgetGauges: [BudgetGauge] {
        configuredBudgets.map { scope, budget in
            let committed = committedSpend(budget, on: scope).spend
            return BudgetGauge(
                scope: scope, budgetId: budget.id, period: budget.period.rawValue, spentUSD: committed.usd, limitUSD: budget.usdLimit,
                tokens: committed.tokens, tokenLimit: budget.tokenLimit)
        }
    }
}
