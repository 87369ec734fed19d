import Foundation

/// One question to the policy engine: may this workload do this, now?
public struct DecisionRequest: Sendable, Hashable {
    /// The authenticated workload (from its X.509-SVID or JWT-SVID).
    public var identity: SPIFFEID
    public var action: RequestedAction
    public var context: DecisionContext

    public init(identity: SPIFFEID, action: RequestedAction, context: DecisionContext) {
        self.identity = identity
        self.action = action
        self.context = context
    }
}

/// What the workload asks to do.
public enum RequestedAction: Sendable, Hashable {
    /// A model call on a gateway alias; with `spend`, the daily budget is checked too.
    case modelCall(alias: String, spend: SpendSoFar?)
    /// A tool call mapped to a business resource and action, with the call's JSON arguments.
    case toolCall(resource: String, action: String, arguments: JSONValue?)
}

/// The workload's spend for the current day and what the call is expected to add: the engine
/// is pure, so the caller reads both from the ledger and passes them in.
public struct SpendSoFar: Sendable, Hashable {
    /// Committed during the UTC day that contains the decision's time: settled costs plus the
    /// estimates held by calls still in flight (`AgentBudgetLedger`).
    public var today: Money
    /// The call's estimated cost (zero when unknown).
    public var estimate: Money

    public init(today: Money, estimate: Money = .zero) {
        self.today = today
        self.estimate = estimate
    }
}

/// The circumstances of a request: recorded with the decision; `time` also names the budget day.
public struct DecisionContext: Sendable, Hashable {
    public var time: Date
    /// The deployment environment the workload runs in (from the workload registry), if known.
    public var environment: String?

    public init(time: Date, environment: String? = nil) {
        self.time = time
        self.environment = environment
    }
}
