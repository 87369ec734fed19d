/// What one autonomous agent (or a family of them) may do: the `AgentPolicy` document
/// (`apiVersion: access.envisionai.dev/v1`, `kind: AgentPolicy`) after validation.
///
/// Everything not granted here is denied: a model alias outside `models`, a resource without a
/// `tools` entry, an action not listed. A `deny` entry overrides any grant, in this policy or
/// another one applying to the same workload.
public struct AgentPolicy: Sendable, Hashable {
    /// The document's `apiVersion`.
    public static let apiVersion = "access.envisionai.dev/v1"
    /// The document's `kind`.
    public static let kind = "AgentPolicy"

    /// `metadata.name`: unique among policies, named in every decision.
    public var name: String
    /// Assigned by the broker on each change (1 for a file that was never applied); recorded on
    /// every decision so an audit row says which text of the policy decided.
    public var version: Int
    /// `spec.identity.workload`.
    public var subject: WorkloadSubject
    /// `spec.mode`: `enforce` (default) or `shadow` (decisions are recorded, denials not applied).
    public var mode: PolicyMode
    /// `spec.models.allow`; nil when the policy has no `models` section (no model call allowed).
    public var models: ModelGrant?
    /// `spec.budget.daily_usd`; nil when the policy sets no budget.
    public var dailyBudget: Money?
    /// `spec.tools`, in file order (rule names use these indices).
    public var tools: [ToolGrant]
    /// `spec.credentials`.
    public var credentials: CredentialHandling
    /// `spec.audit.record`: the fields each decision record carries (beyond the floor, see
    /// `AuditField`).
    public var auditFields: [AuditField]

    public init(
        name: String, version: Int = 1, subject: WorkloadSubject, mode: PolicyMode = .enforce,
        models: ModelGrant? = nil, dailyBudget: Money? = nil, tools: [ToolGrant] = [],
        credentials: CredentialHandling = CredentialHandling(), auditFields: [AuditField] = AuditField.defaults
    ) {
        self.name = name
        self.version = version
        self.subject = subject
        self.mode = mode
        self.models = models
        self.dailyBudget = dailyBudget
        self.tools = tools
        self.credentials = credentials
        self.auditFields = auditFields
    }
}

/// Whether a policy's denials are applied.
public enum PolicyMode: String, Sendable, Hashable, CaseIterable {
    /// Denials are applied.
    case enforce
    /// Denials are only recorded (`Decision.wouldDeny`); the call proceeds.
    case shadow
}

/// `spec.models.allow`: the model aliases the agent may call. `*` allows every alias.
public struct ModelGrant: Sendable, Hashable {
    public var allow: [String]

    public init(allow: [String]) { self.allow = allow }

    /// The wildcard alias.
    public static let anyAlias = "*"
}

/// One `spec.tools[]` entry: actions granted and denied on one business resource.
public struct ToolGrant: Sendable, Hashable {
    /// The business resource (`salesforce.accounts`), or `*` for every resource.
    public var resource: String
    /// Actions granted (`read`, `search`); `*` grants every action not denied.
    public var actions: [String]
    /// Actions denied whatever else grants them; `*` denies every action.
    public var deny: [String]
    /// Conditions on the arguments of a granted action, per action (all must hold).
    public var constraints: [String: [ArgumentConstraint]]

    public init(resource: String, actions: [String] = [], deny: [String] = [], constraints: [String: [ArgumentConstraint]] = [:]) {
        self.resource = resource
        self.actions = actions
        self.deny = deny
        self.constraints = constraints
    }

    /// The wildcard for a resource or an action.
    public static let wildcard = "*"
}

/// `spec.credentials`: how the downstream credential reaches the tool. Only runtime injection
/// by the broker exists, and the credential is never exposed to the agent; the section exists
/// so a policy states it and a reviewer can see it.
public struct CredentialHandling: Sendable, Hashable {
    public var injection: CredentialInjection
    public var exposeToAgent: Bool

    public init(injection: CredentialInjection = .runtime, exposeToAgent: Bool = false) {
        self.injection = injection
        self.exposeToAgent = exposeToAgent
    }
}

/// When the downstream credential is attached.
public enum CredentialInjection: String, Sendable, Hashable, CaseIterable {
    /// By the broker, per allowed call, after the decision.
    case runtime
}

/// A field a decision record carries (`spec.audit.record`); `AuditSelection` applies the list.
///
/// The floor (`AuditSelection.floor`: identity, policy, version, model, resource, action,
/// outcome, latency, with the call kind and the decision time) is recorded listed or not, so
/// every record stays attributable. `rule`, `reason` and `cost` appear only when listed.
/// `parameters` (a tool call's arguments, secrets masked, capped) is never in the defaults.
public enum AuditField: String, Sendable, Hashable, CaseIterable {
    case identity, policy, version, rule, reason, model, resource, action, outcome, latency, cost, parameters

    /// What a policy without an `audit` section records.
    public static let defaults: [AuditField] = [.identity, .policy, .version, .rule, .resource, .action, .model, .outcome, .reason]
}
