import Foundation

/// One normalized, OCSF-style security event ready for export: the JSON body plus the few
/// facts the transports put in their own headers (syslog PRI and MSGID, HEC `time`).
///
/// Built only from evidence that is already safe to keep (call records, guardrail decisions,
/// audit actor/action/target, health transitions): never prompt or completion text, key
/// secrets, credentials or admin tokens.
public struct SIEMEvent: Sendable, Hashable {
    /// What the event is about; also the syslog MSGID.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case call
        case guardrail
        case policy
        case admin
        case health
        case pricing
        case evidence
    }

    public var kind: Kind
    public var time: Date
    /// OCSF severity: 1 informational, 2 low, 3 medium, 4 high, 5 critical.
    public var severityID: Int
    public var requestID: String?
    /// The OCSF-style object (`category_uid`, `class_uid`, `activity_id`, `time`, `severity_id`,
    /// `actor`, `resource`, `decision`, `outcome`, `metadata.correlation_uid`, …).
    public var body: SIEMValue

    public init(kind: Kind, time: Date, severityID: Int, requestID: String?, body: SIEMValue) {
        self.kind = kind
        self.time = time
        self.severityID = severityID
        self.requestID = requestID
        self.body = body
    }

    /// Compact JSON of `body`.
    public var json: String { body.json }

    /// OCSF severity names by id.
    public static func severityName(_ id: Int) -> String {
        switch id {
        case 1: "Informational"
        case 2: "Low"
        case 3: "Medium"
        case 4: "High"
        case 5: "Critical"
        case 6: "Fatal"
        default: "Unknown"
        }
    }
}

/// An access decision by a policy engine (allow or deny an agent's action on a resource),
/// normalized like every other event. The gateway has no agent policy yet; when it does, its
/// `GatewayEvent.policyDecision` case maps through `SIEMNormalizer.normalize(_:)` for this type.
public struct SIEMPolicyDecision: Sendable, Hashable {
    public var at: Date
    public var requestID: String?
    /// Who asked: a SPIFFE id, `key:<id>`, …
    public var subject: String
    public var policy: String
    public var policyVersion: String?
    public var rule: String?
    /// The business resource and action evaluated (`crm.customer`, `read`); nil when the
    /// policy's `audit.record` leaves them out (the SIEM event then omits them).
    public var resource: String?
    public var action: String?
    public var allowed: Bool
    /// Why, in the policy's own words (never request content).
    public var reason: String?

    public init(
        at: Date, requestID: String?, subject: String, policy: String, policyVersion: String? = nil, rule: String? = nil,
        resource: String?, action: String?, allowed: Bool, reason: String? = nil
    ) {
        self.at = at
        self.requestID = requestID
        self.subject = subject
        self.policy = policy
        self.policyVersion = policyVersion
        self.rule = rule
        self.resource = resource
        self.action = action
        self.allowed = allowed
        self.reason = reason
    }
}
