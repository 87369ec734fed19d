/// One policy turned into lookup tables, with every verdict it can return built in advance.
///
/// A class (immutable, so `Sendable`) so that reaching a policy or a tool entry on the decision
/// path costs one reference count, not a copy of every table it holds.
final class CompiledPolicy: Sendable {
    let source: AgentPolicy
    /// nil when the policy has no `models` section.
    let models: Set<String>?
    let allowsAnyModel: Bool
    /// Resource -> index in `tools` for exact resources; `*` entries are in `wildcardTools`.
    let toolByResource: [String: Int]
    let wildcardTools: [Int]
    let tools: [CompiledTool]

    let modelAllowed: Verdict
    let modelNotAllowed: Verdict
    let budgetExceeded: Verdict
    let notGranted: Verdict
    let shadowOnly: Verdict

    init(_ policy: AgentPolicy) {
        source = policy
        let audit = AuditSelection(policy.auditFields)
        func verdict(_ rule: String, _ reason: String, _ constraint: ArgumentConstraint? = nil) -> Verdict {
            Verdict(
                policy: policy.name, version: policy.version, rule: rule, reason: reason, mode: policy.mode, constraint: constraint,
                audit: audit)
        }
        models = policy.models.map { Set($0.allow) }
        allowsAnyModel = policy.models?.allow.contains(ModelGrant.anyAlias) ?? false
        var byResource: [String: Int] = [:]
        var wildcards: [Int] = []
        var tools: [CompiledTool] = []
        for (index, grant) in policy.tools.enumerated() {
            tools.append(CompiledTool(grant, prefix: "tools[\(index)]", verdict: verdict))
            if grant.resource == ToolGrant.wildcard {
                wildcards.append(index)
            } else if byResource[grant.resource] == nil {
                byResource[grant.resource] = index
            } else {
                // Two entries for one resource (the loader refuses this; a hand-built policy may
                // not): the later one is consulted through the wildcard path so neither is lost.
                wildcards.append(index)
            }
        }
        toolByResource = byResource
        wildcardTools = wildcards
        self.tools = tools
        modelAllowed = verdict(DecisionReason.modelsRule, DecisionReason.modelAllowed)
        modelNotAllowed = verdict(
            policy.models == nil ? DecisionReason.defaultDenyRule : DecisionReason.modelsRule, DecisionReason.modelNotAllowed)
        budgetExceeded = verdict(DecisionReason.budgetRule, DecisionReason.budgetExceeded)
        notGranted = verdict(DecisionReason.defaultDenyRule, DecisionReason.notGranted)
        shadowOnly = verdict(DecisionReason.shadowRule, DecisionReason.shadowOnly)
    }

    /// What this policy alone says about a tool call.
    func evaluateTool(resource: String, action: String, arguments: JSONValue?) -> Finding {
        var best = Finding.notGranted(notGranted)
        if let index = toolByResource[resource] {
            best = tools[index].evaluate(action: action, arguments: arguments, current: best)
        }
        for index in wildcardTools where best.rank < Finding.denyRank {
            guard tools[index].resource == ToolGrant.wildcard || tools[index].resource == resource else { continue }
            best = tools[index].evaluate(action: action, arguments: arguments, current: best)
        }
        return best
    }

    /// What this policy alone says about a model call (alias, then daily budget).
    func evaluateModel(alias: String, spend: SpendSoFar?) -> Finding {
        if let spend, let budget = source.dailyBudget, Self.exceeds(spend, budget) {
            return .denied(budgetExceeded)
        }
        guard let models else { return .notGranted(modelNotAllowed) }
        return allowsAnyModel || models.contains(alias) ? .allowed(modelAllowed) : .notGranted(modelNotAllowed)
    }

    /// No room left today, or this call would pass the budget.
    static func exceeds(_ spend: SpendSoFar, _ budget: Money) -> Bool {
        spend.today >= budget || spend.today.saturatingAdding(spend.estimate) > budget
    }
}

/// One `tools[]` entry as tables: allowed and denied actions, each with its verdict.
final class CompiledTool: Sendable {
    let resource: String
    let allow: [String: ActionRule]
    let allowAll: ActionRule?
    let deny: [String: Verdict]
    let denyAll: Verdict?

    /// A granted action: its verdict, and each constraint with the verdict when it fails.
    final class ActionRule: Sendable {
        let granted: Verdict
        let constraints: [(constraint: ArgumentConstraint, failed: Verdict)]

        init(granted: Verdict, constraints: [(constraint: ArgumentConstraint, failed: Verdict)]) {
            self.granted = granted
            self.constraints = constraints
        }
    }

    init(_ grant: ToolGrant, prefix: String, verdict: (String, String, ArgumentConstraint?) -> Verdict) {
        resource = grant.resource
        var deny: [String: Verdict] = [:]
        var denyAll: Verdict?
        for action in grant.deny {
            let found = verdict("\(prefix).deny[\(action)]", DecisionReason.explicitlyDenied, nil)
            if action == ToolGrant.wildcard { denyAll = denyAll ?? found } else if deny[action] == nil { deny[action] = found }
        }
        var allow: [String: ActionRule] = [:]
        var allowAll: ActionRule?
        for action in grant.actions {
            let constraints = (grant.constraints[action] ?? []).enumerated().map { index, constraint in
                (constraint, verdict(
                    "\(prefix).constraints.\(action)[\(index)]", DecisionReason.constraintFailedPrefix + constraint.description,
                    constraint))
            }
            let rule = ActionRule(granted: verdict("\(prefix).actions[\(action)]", DecisionReason.granted, nil), constraints: constraints)
            if action == ToolGrant.wildcard { allowAll = allowAll ?? rule } else if allow[action] == nil { allow[action] = rule }
        }
        self.allow = allow
        self.allowAll = allowAll
        self.deny = deny
        self.denyAll = denyAll
    }

    func evaluate(action: String, arguments: JSONValue?, current: Finding) -> Finding {
        if let denied = deny[action] ?? denyAll { return .denied(denied) }
        guard let rule = allow[action] ?? allowAll else { return current }
        for entry in rule.constraints where !entry.constraint.isSatisfied(by: arguments) {
            return current.combined(with: .constraintFailed(entry.failed))
        }
        return current.combined(with: .allowed(rule.granted))
    }
}

/// What one policy found, ranked so that combining policies is a max: an explicit deny (or an
/// exceeded budget) beats any grant; a grant beats a grant whose constraint failed (a failed
/// condition only means that grant does not apply); anything beats "not granted". On a tie the
/// first finding (the more specific policy) stays.
enum Finding: Sendable {
    case denied(Verdict)
    case allowed(Verdict)
    case constraintFailed(Verdict)
    case notGranted(Verdict)

    static let denyRank = 3

    var rank: Int {
        switch self {
        case .denied: return 3
        case .allowed: return 2
        case .constraintFailed: return 1
        case .notGranted: return 0
        }
    }

    var verdict: Verdict {
        switch self {
        case .denied(let verdict), .allowed(let verdict), .constraintFailed(let verdict), .notGranted(let verdict):
            return verdict
        }
    }

    var isAllow: Bool { if case .allowed = self { return true } else { return false } }

    func combined(with other: Finding) -> Finding { other.rank > rank ? other : self }
}
