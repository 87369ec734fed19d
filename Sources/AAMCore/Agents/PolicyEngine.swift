/// Decides model and tool calls of workloads against a compiled set of `AgentPolicy`s.
///
/// Pure and immutable: no I/O, no clock, no locks; build a new engine when the policy set
/// changes and swap it in. A decision is a few dictionary lookups (workload, then resource, then
/// action, per applicable policy) and copies of verdicts built at compile time.
///
/// Semantics:
/// - the policies that apply to a workload are those whose subject is its exact ID, then those
///   whose `…/*` subject covers it (longer prefixes first), each group by name;
/// - no applicable policy: deny, `no_policy_for_identity`;
/// - across and within policies, an explicit `deny` (or an exceeded daily budget) beats any
///   grant; a grant beats a grant whose constraint failed; anything not granted is denied
///   (`default-deny`);
/// - `shadow` policies neither deny nor grant: the decision is made by the `enforce` policies,
///   and whatever the whole set (shadow ones included) would have denied is reported in
///   `wouldDeny`, so a candidate policy can be tried beside the one in force and can never
///   loosen it. A workload covered only by shadow policies is allowed with reason
///   `shadow_only`; one also covered by an enforcing policy (even a deny-only guard such as
///   `resource: "*"`, `deny: [purge]`) is governed by that policy, default deny included.
public struct PolicyEngine: Sendable {
    private let policies: [CompiledPolicy]
    /// Exact workload ID -> applicable policies (exact ones, then covering patterns), in order.
    private let byIdentity: [String: [Int]]
    /// Trust domain -> `…/*` subjects in it, longest prefix first.
    private let patternsByTrustDomain: [String: [PatternEntry]]
    private let byName: [String: Int]

    private struct PatternEntry: Sendable {
        let parent: String
        let policies: [Int]
    }

    private static let noPolicy = Verdict(
        policy: nil, version: nil, rule: DecisionReason.defaultDenyRule, reason: DecisionReason.noPolicyForIdentity)

    /// The engine with no policy: every identity gets the default deny.
    public static let empty = PolicyEngine()

    private init() {
        policies = []
        byName = [:]
        byIdentity = [:]
        patternsByTrustDomain = [:]
    }

    /// Compiles `policies`; throws when two share a name.
    public init(policies: [AgentPolicy]) throws(PolicySetError) {
        var byName: [String: Int] = [:]
        let sorted = policies.sorted { $0.name < $1.name }
        for (index, policy) in sorted.enumerated() {
            guard byName[policy.name] == nil else { throw .duplicateName(policy.name) }
            byName[policy.name] = index
        }
        self.policies = sorted.map(CompiledPolicy.init)
        self.byName = byName

        var exact: [String: [Int]] = [:]
        var patterns: [String: [PatternEntry]] = [:]
        var patternGroups: [SPIFFEID: [Int]] = [:]
        for (index, policy) in sorted.enumerated() {
            switch policy.subject {
            case .exact(let id): exact[id.description, default: []].append(index)
            case .below(let parent): patternGroups[parent, default: []].append(index)
            }
        }
        for (parent, indices) in patternGroups {
            patterns[parent.trustDomain, default: []].append(PatternEntry(parent: parent.description, policies: indices))
        }
        for domain in patterns.keys {
            patterns[domain]?.sort { ($0.parent.utf8.count, $1.parent) > ($1.parent.utf8.count, $0.parent) }
        }
        // An exact ID's list also holds the patterns that cover it, so deciding for a known
        // workload is one lookup.
        for (id, indices) in exact {
            guard let parsed = try? SPIFFEID(id) else { continue }
            var all = indices
            for entry in patterns[parsed.trustDomain] ?? [] where WorkloadSubject.isBelow(id, parent: entry.parent) {
                all.append(contentsOf: entry.policies)
            }
            exact[id] = all
        }
        self.byIdentity = exact
        self.patternsByTrustDomain = patterns
    }

    /// The number of policies in the set.
    public var count: Int { policies.count }

    /// The policy named `name`, as compiled.
    public func policy(named name: String) -> AgentPolicy? { byName[name].map { policies[$0].source } }

    /// Names of the policies that apply to `identity`, most specific first.
    public func applicablePolicies(for identity: SPIFFEID) -> [String] {
        var names: [String] = []
        forEachApplicable(identity) { names.append(policies[$0].source.name) }
        return names
    }

    /// The tightest daily budget among the enforcing policies for `identity` (shadow policies'
    /// budgets are not enforced), with the policy that sets it; nil when none sets one.
    public func dailyBudget(for identity: SPIFFEID) -> (amount: Money, policy: String)? {
        var best: (amount: Money, policy: String)?
        forEachApplicable(identity) { index in
            let policy = policies[index].source
            guard policy.mode == .enforce, let budget = policy.dailyBudget else { return }
            if let current = best, current.amount <= budget { return }
            best = (budget, policy.name)
        }
        return best
    }

    /// Decides `request`.
    public func decide(_ request: DecisionRequest) -> Decision {
        var enforced: Finding?
        var all: Finding?
        var first: Int?
        forEachApplicable(request.identity) { index in
            let policy = policies[index]
            let finding: Finding
            switch request.action {
            case .modelCall(let alias, let spend):
                finding = policy.evaluateModel(alias: alias, spend: spend)
            case .toolCall(let resource, let action, let arguments):
                finding = policy.evaluateTool(resource: resource, action: action, arguments: arguments)
            }
            if first == nil { first = index }
            all = all.map { $0.combined(with: finding) } ?? finding
            if policy.source.mode == .enforce { enforced = enforced.map { $0.combined(with: finding) } ?? finding }
        }
        guard let first, let all else { return Decision(effect: .deny, verdict: Self.noPolicy) }
        let wouldDeny = all.isAllow ? nil : all.verdict
        guard let enforced else {
            return Decision(effect: .allow, verdict: all.isAllow ? all.verdict : policies[first].shadowOnly, wouldDeny: wouldDeny)
        }
        guard enforced.isAllow else { return Decision(effect: .deny, verdict: enforced.verdict) }
        return Decision(effect: .allow, verdict: enforced.verdict, wouldDeny: wouldDeny)
    }

    /// Calls `body` with each applicable policy's index, most specific first, without allocating.
    private func forEachApplicable(_ identity: SPIFFEID, _ body: (Int) -> Void) {
        if let indices = byIdentity[identity.description] {
            for index in indices { body(index) }
            return
        }
        guard let entries = patternsByTrustDomain[identity.trustDomain] else { return }
        for entry in entries where WorkloadSubject.isBelow(identity.description, parent: entry.parent) {
            for index in entry.policies { body(index) }
        }
    }
}

/// Why a set of policies cannot be compiled together.
public enum PolicySetError: Error, Sendable, Hashable, CustomStringConvertible {
    case duplicateName(String)

    public var description: String {
        switch self {
        case .duplicateName(let name): return "two policies are named '\(name)'"
        }
    }
}
