import Foundation

/// Turns gateway events into OCSF-style events (`SIEMEvent`). Pure: the time of events that
/// carry none (guardrail hits, admin changes) and the provider of each deployment come in as
/// arguments.
///
/// Mapping (OCSF 1.x category / class):
/// - call: 6 Application Activity / 6003 API Activity; `decision` denied when the gateway
///   rejected it (auth, validation, governance, guardrail block), `outcome` success or failure.
/// - guardrail hit: 2 Findings / 2004 Detection Finding; denied when the action is `block`.
/// - policy decision: 3 Identity & Access Management / 3003 Authorize Session.
/// - admin change (keys included): 3 Identity & Access Management / 3004 Entity Management.
/// - health change, unpriced model, evidence spool alarm: 6 Application Activity / 6002
///   Application Lifecycle.
public struct SIEMNormalizer: Sendable {
    /// Product facts in every event's `metadata`.
    public var productVersion: String
    /// Deployment id -> provider name (for health events, which name only the deployment).
    public var deploymentProviders: [String: String]

    public init(productVersion: String = "1.0", deploymentProviders: [String: String] = [:]) {
        self.productVersion = productVersion
        self.deploymentProviders = deploymentProviders
    }

    /// The OCSF-style event for `event`, or nil for events that are not exported (and for
    /// cases this version does not know).
    public func normalize(_ event: GatewayEvent, observedAt: Date) -> SIEMEvent? {
        // `if case` rather than `switch`: cases added later are skipped until mapped here.
        if case .call(let record) = event { return normalize(record) }
        if case .guardrailHit(let requestID, let decision) = event { return normalize(decision, requestID: requestID, at: observedAt) }
        if case .adminChange(let actor, let action, let target) = event {
            return normalizeAdminChange(actor: actor, action: action, target: target, at: observedAt)
        }
        if case .health(let transition) = event { return normalize(transition) }
        if case .modelUnpriced(let provider, let model) = event { return normalizeUnpriced(provider: provider, model: model, at: observedAt) }
        if case .spoolAlarm(let backlogBytes, let limitBytes) = event {
            return normalizeSpoolAlarm(backlogBytes: backlogBytes, limitBytes: limitBytes, at: observedAt)
        }
        if case .policyDecision(let requestID, let evidence) = event { return normalize(Self.decision(evidence, requestID: requestID)) }
        if case .evidenceAnchor(let anchors) = event { return normalizeAnchor(anchors, at: observedAt) }
        return nil
    }

    /// An AgentPolicy decision as the SIEM mapping sees it: a model call is the action `call` on
    /// the resource `model:<alias>`; a tool call keeps its business resource and action.
    static func decision(_ evidence: PolicyEvidence, requestID: String) -> SIEMPolicyDecision {
        let isModel = evidence.kind == "model"
        return SIEMPolicyDecision(
            at: evidence.at, requestID: requestID, subject: evidence.spiffeId, policy: evidence.policy ?? "none",
            policyVersion: evidence.version.map(String.init), rule: evidence.rule,
            // Fields the policy's audit.record leaves out stay out (no "unknown" placeholders).
            resource: isModel ? evidence.model.map { "model:\($0)" } : evidence.resource,
            action: isModel ? "call" : evidence.action, allowed: evidence.decision == "allow",
            reason: evidence.reason)
    }

    // MARK: Calls

    public func normalize(_ record: CallRecord) -> SIEMEvent {
        let denied = record.outcome == .rejected
        let succeeded = record.outcome == .success
        let severity = record.status >= 500 && record.outcome != .upstreamError ? 3 : (succeeded || record.outcome == .cancelled ? 1 : 2)
        var members = header(category: (6, "Application Activity"), class: (6003, "API Activity"), activity: (99, "Other"), time: record.startedAt, severity: severity)
        members += [
            ("activity_detail", .string("model_call")),
            ("status_id", .int(succeeded ? 1 : 2)), ("status", .string(succeeded ? "Success" : "Failure")),
            ("decision", .string(denied ? "denied" : "allowed")),
            ("outcome", .string(succeeded ? "success" : "failure")),
            ("actor", keyActor(record)),
            ("resource", .object([
                ("type", .string("model_alias")), ("name", .optional(record.alias)), ("provider", .optional(record.provider)),
                ("deployment", .optional(record.deployment)), ("upstream_model", .optional(record.upstreamModel)),
            ])),
            ("api", .object([("operation", .string(record.endpoint)), ("response", .object([("code", .int(Int64(record.status))), ("error", .optional(record.errorClass))]))])),
            ("duration", .int(Int64(record.latencyMs.rounded()))),
            ("unmapped", .object([
                ("call_outcome", .string(record.outcome.rawValue)), ("prompt_tokens", .int(Int64(record.promptTokens))),
                ("completion_tokens", .int(Int64(record.completionTokens))), ("ttft_ms", record.ttftMs.map { .int(Int64($0.rounded())) }),
                ("streamed", .bool(record.streamed)), ("attempts", .int(Int64(record.attempts.count))),
                ("cost_usd", .optional(record.costUSD)), ("price_version", .optional(record.priceVersion)),
                ("guardrail_decisions", record.guardrails.isEmpty ? nil : .int(Int64(record.guardrails.count))),
            ])),
            ("metadata", metadata(correlation: record.requestId)),
        ]
        return SIEMEvent(kind: .call, time: record.startedAt, severityID: severity, requestID: record.requestId, body: .object(members))
    }

    private func keyActor(_ record: CallRecord) -> SIEMValue {
        guard record.keyId != nil || record.orgId != nil else { return .object([("type", .string("anonymous"))]) }
        return .object([
            ("type", .string("virtual_key")), ("uid", .optional(record.keyId)), ("name", .optional(record.keyPrefix)),
            ("org_uid", .optional(record.orgId)), ("team_uid", .optional(record.teamId)), ("project_uid", .optional(record.projectId)),
        ])
    }

    // MARK: Guardrail hits

    public func normalize(_ decision: GuardrailDecision, requestID: String, at time: Date) -> SIEMEvent {
        let (severity, disposition): (Int, String) =
            switch decision.action {
            case .block: (3, "Blocked")
            case .redact: (2, "Modified")
            case .flag, .allow: (1, "Logged")
            }
        var members = header(category: (2, "Findings"), class: (2004, "Detection Finding"), activity: (1, "Create"), time: time, severity: severity)
        members += [
            ("decision", .string(decision.action == .block ? "denied" : "allowed")),
            ("outcome", .string("success")),
            ("disposition", .string(disposition)),
            ("actor", .object([("type", .string("gateway")), ("name", .string("guardrails"))])),
            ("resource", .object([("type", .string(decision.direction.rawValue)), ("name", .string(decision.location))])),
            ("finding_info", .object([
                ("title", .string("guardrail detector \(decision.detector.rawValue)")), ("types", .array([.string(decision.detector.rawValue)])),
                ("action", .string(decision.action.rawValue)), ("direction", .string(decision.direction.rawValue)),
                ("count", .int(Int64(decision.count))),
            ])),
            ("metadata", metadata(correlation: requestID)),
        ]
        return SIEMEvent(kind: .guardrail, time: time, severityID: severity, requestID: requestID, body: .object(members))
    }

    // MARK: Policy decisions

    public func normalize(_ decision: SIEMPolicyDecision) -> SIEMEvent {
        let severity = decision.allowed ? 1 : 3
        var members = header(category: (3, "Identity & Access Management"), class: (3003, "Authorize Session"), activity: (99, "Other"), time: decision.at, severity: severity)
        members += [
            ("activity_detail", .string("policy_decision")),
            ("decision", .string(decision.allowed ? "allowed" : "denied")),
            ("outcome", .string("success")),
            ("actor", .object([("type", .string("workload")), ("uid", .string(decision.subject))])),
            ("resource", .object([("type", .string("business_resource")), ("name", .optional(decision.resource)), ("action", .optional(decision.action))])),
            ("policy", .object([
                ("name", .string(decision.policy)), ("version", .optional(decision.policyVersion)), ("rule", .optional(decision.rule)),
                ("reason", .optional(decision.reason)),
            ])),
            ("metadata", metadata(correlation: decision.requestID)),
        ]
        return SIEMEvent(kind: .policy, time: decision.at, severityID: severity, requestID: decision.requestID, body: .object(members))
    }

    // MARK: Admin changes

    func normalizeAdminChange(actor: String, action: String, target: String, at time: Date) -> SIEMEvent {
        let verb = action.split(separator: ".").last.map(String.init) ?? action
        let activity: (Int, String) =
            switch verb {
            case "create": (1, "Create")
            case "delete", "revoke": (4, "Delete")
            default: (3, "Update")
            }
        // Key and credential changes are what an intruder would do first: rate them higher.
        let sensitive = action.hasPrefix("key.") || action.hasPrefix("provider.credential") || action.hasPrefix("master_key")
        let severity = sensitive ? 2 : 1
        var members = header(category: (3, "Identity & Access Management"), class: (3004, "Entity Management"), activity: activity, time: time, severity: severity)
        let (actorType, actorName) = Self.split(actor)
        let (entityType, entityName) = Self.split(target)
        members += [
            ("decision", .string("allowed")),
            ("outcome", .string("success")),
            ("actor", .object([("type", .string(actorType)), ("name", .string(actorName))])),
            ("resource", .object([("type", .string(entityType)), ("name", .string(entityName))])),
            ("api", .object([("operation", .string(action))])),
            ("metadata", metadata(correlation: nil)),
        ]
        return SIEMEvent(kind: .admin, time: time, severityID: severity, requestID: nil, body: .object(members))
    }

    /// `kind:name` -> (kind, name); a value without a colon is a name of kind `unknown`.
    static func split(_ value: String) -> (String, String) {
        guard let colon = value.firstIndex(of: ":") else { return ("unknown", value) }
        return (String(value[..<colon]), String(value[value.index(after: colon)...]))
    }

    // MARK: Health and pricing

    public func normalize(_ transition: HealthTransition) -> SIEMEvent {
        let severity: Int =
            switch transition.to {
            case .credentialInvalid: 4
            case .open: 3
            case .coolingDown, .halfOpen: 2
            case .closed: 1
            }
        var members = header(category: (6, "Application Activity"), class: (6002, "Application Lifecycle"), activity: (99, "Other"), time: transition.at, severity: severity)
        var operatorAction: SIEMValue?
        if case .credentialRejected(let status) = transition.operatorEvent {
            operatorAction = .object([("required", .string("replace_credential")), ("status", .int(Int64(status)))])
        }
        members += [
            ("activity_detail", .string("health_change")),
            ("outcome", .string(transition.to == .closed ? "success" : "failure")),
            ("actor", .object([("type", .string("gateway")), ("name", .string("health"))])),
            ("resource", .object([
                ("type", .string("deployment")), ("name", .string(transition.deploymentID)),
                ("provider", .optional(deploymentProviders[transition.deploymentID])),
            ])),
            ("state", .object([
                ("from", .string(transition.from.rawValue)), ("to", .string(transition.to.rawValue)), ("reason", .string(transition.reason.rawValue)),
                ("until", transition.until.map { .int(Self.epochMilliseconds($0)) }), ("operator_action", operatorAction),
            ])),
            ("metadata", metadata(correlation: nil)),
        ]
        return SIEMEvent(kind: .health, time: transition.at, severityID: severity, requestID: nil, body: .object(members))
    }

    func normalizeUnpriced(provider: String, model: String, at time: Date) -> SIEMEvent {
        var members = header(category: (6, "Application Activity"), class: (6002, "Application Lifecycle"), activity: (99, "Other"), time: time, severity: 2)
        members += [
            ("activity_detail", .string("model_unpriced")),
            ("outcome", .string("failure")),
            ("actor", .object([("type", .string("gateway")), ("name", .string("pricing"))])),
            ("resource", .object([("type", .string("provider_model")), ("name", .string(model)), ("provider", .string(provider))])),
            ("metadata", metadata(correlation: nil)),
        ]
        return SIEMEvent(kind: .pricing, time: time, severityID: 2, requestID: nil, body: .object(members))
    }

    /// The heads of the evidence chains (audit trail, call-record batches), kept by the SIEM as
    /// anchors: `aam audit verify --anchor chain:SEQ:LINK` checks the database still reaches them.
    func normalizeAnchor(_ anchors: [EvidenceAnchor], at time: Date) -> SIEMEvent {
        var members = header(category: (6, "Application Activity"), class: (6002, "Application Lifecycle"), activity: (99, "Other"), time: time, severity: 1)
        members += [
            ("activity_detail", .string("evidence_anchor")),
            ("outcome", .string("success")),
            ("actor", .object([("type", .string("gateway")), ("name", .string("evidence"))])),
            ("resource", .object([
                ("type", .string("evidence_chain")),
                ("anchors", .array(anchors.map { anchor in
                    .object([("chain", .string(anchor.chain.rawValue)), ("sequence", .int(anchor.sequence)), ("link", .string(anchor.link))])
                })),
            ])),
            ("metadata", metadata(correlation: nil)),
        ]
        return SIEMEvent(kind: .evidence, time: time, severityID: 1, requestID: nil, body: .object(members))
    }

    /// The evidence spool is filling (the database is away): evidence, and soon service, at risk.
    func normalizeSpoolAlarm(backlogBytes: Int, limitBytes: Int, at time: Date) -> SIEMEvent {
        var members = header(category: (6, "Application Activity"), class: (6002, "Application Lifecycle"), activity: (99, "Other"), time: time, severity: 4)
        members += [
            ("activity_detail", .string("evidence_spool_alarm")),
            ("outcome", .string("failure")),
            ("actor", .object([("type", .string("gateway")), ("name", .string("evidence"))])),
            ("resource", .object([
                ("type", .string("evidence_spool")), ("backlog_bytes", .int(Int64(backlogBytes))), ("limit_bytes", .int(Int64(limitBytes))),
            ])),
            ("metadata", metadata(correlation: nil)),
        ]
        return SIEMEvent(kind: .evidence, time: time, severityID: 4, requestID: nil, body: .object(members))
    }

    // MARK: Common members

    private func header(category: (Int, String), class eventClass: (Int, String), activity: (Int, String), time: Date, severity: Int) -> [(String, SIEMValue?)] {
        [
            ("category_uid", .int(Int64(category.0))), ("category_name", .string(category.1)),
            ("class_uid", .int(Int64(eventClass.0))), ("class_name", .string(eventClass.1)),
            ("activity_id", .int(Int64(activity.0))), ("activity_name", .string(activity.1)),
            ("type_uid", .int(Int64(eventClass.0 * 100 + activity.0))),
            ("time", .int(Self.epochMilliseconds(time))),
            ("severity_id", .int(Int64(severity))), ("severity", .string(SIEMEvent.severityName(severity))),
        ]
    }

    private func metadata(correlation: String?) -> SIEMValue {
        .object([
            ("version", .string("1.3.0")),
            ("product", .object([("name", .string("Agent Access Manager")), ("vendor_name", .string("AAM")), ("version", .string(productVersion))])),
            ("correlation_uid", .optional(correlation)),
        ])
    }

    /// Milliseconds since the Unix epoch (OCSF `timestamp_t`).
    public static func epochMilliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }
}
