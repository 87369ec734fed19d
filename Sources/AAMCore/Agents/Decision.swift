/// The engine's answer: allow or deny, and exactly which rule of which policy decided.
///
/// Every string in a decision is built when the policy set is compiled, so deciding copies
/// references and never formats text.
public struct Decision: Sendable, Hashable {
    public var effect: Effect
    /// The rule that decided `effect`.
    public var verdict: Verdict
    /// Set when a policy in `shadow` mode would have denied the call (the call proceeds).
    public var wouldDeny: Verdict?

    public enum Effect: String, Sendable, Hashable {
        case allow, deny
    }

    public init(effect: Effect, verdict: Verdict, wouldDeny: Verdict? = nil) {
        self.effect = effect
        self.verdict = verdict
        self.wouldDeny = wouldDeny
    }

    public var isAllowed: Bool { effect == .allow }
}

/// A rule's finding: which policy (name and version), which rule, and the stable reason code.
public struct Verdict: Sendable, Hashable {
    /// nil when no policy applies to the workload.
    public var policy: String?
    public var version: Int?
    /// Where in the policy: `tools[0].deny[export]`, `tools[1].actions[create]`,
    /// `tools[1].constraints.create[0]`, `models.allow`, `budget.daily_usd`, `default-deny`.
    public var rule: String
    /// A `DecisionReason` code (`explicitly_denied`, `constraint_failed:amount<=1000`, …).
    public var reason: String
    /// The mode of the policy that holds the rule.
    public var mode: PolicyMode
    /// For `constraint_failed:…`, the constraint that failed (explanations show the value).
    public var constraint: ArgumentConstraint?
    /// What the evidence of a decision by this rule records: its policy's `spec.audit.record`
    /// (the defaults when no policy decided).
    public var audit: AuditSelection

    public init(
        policy: String?, version: Int?, rule: String, reason: String, mode: PolicyMode = .enforce,
        constraint: ArgumentConstraint? = nil, audit: AuditSelection = .defaults
    ) {
        self.policy = policy
        self.version = version
        self.rule = rule
        self.reason = reason
        self.mode = mode
        self.constraint = constraint
        self.audit = audit
    }
}

/// The stable, machine-readable reason codes a decision carries. Clients may switch on them;
/// `constraint_failed:` is followed by the constraint (`ArgumentConstraint.description`).
public enum DecisionReason {
    /// A grant covers the call.
    public static let granted = "granted"
    /// The model alias is in `models.allow`.
    public static let modelAllowed = "model_allowed"
    /// Nothing grants the resource or action.
    public static let notGranted = "not_granted"
    /// A `deny` entry names the action.
    public static let explicitlyDenied = "explicitly_denied"
    /// The alias is not in `models.allow` (or the policy has no `models` section).
    public static let modelNotAllowed = "model_not_allowed"
    /// The day's spend has reached the daily budget, or this call would pass it.
    public static let budgetExceeded = "budget_exceeded"
    /// No policy's subject covers the workload.
    public static let noPolicyForIdentity = "no_policy_for_identity"
    /// Only `shadow` policies apply: nothing is enforced.
    public static let shadowOnly = "shadow_only"
    /// Prefix of a failed argument constraint's code.
    public static let constraintFailedPrefix = "constraint_failed:"

    /// The rule name of a denial that no rule states: nothing granted the call.
    public static let defaultDenyRule = "default-deny"
    /// The rule name for a decision made by `spec.models.allow`.
    public static let modelsRule = "models.allow"
    /// The rule name for a decision made by `spec.budget.daily_usd`.
    public static let budgetRule = "budget.daily_usd"
    /// The rule name when only shadow policies apply.
    public static let shadowRule = "shadow"
}
