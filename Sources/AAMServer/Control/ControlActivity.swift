import AAMControlProtocol
import AAMCore
import Foundation
import Synchronization

/// The live figures the control socket reports that the rest of the daemon does not keep:
/// call and error counts since start, p50/p95 per deployment, guardrail hits over the last
/// hour, spend trend per scope, and the trend history of the last 15 minutes (`TrendRing`).
/// Fed by one bus subscriber (`ControlSocketService`), read by
/// queries; one short lock, never held across an await.
final class ControlActivity: Sendable {
    private struct State: Sendable {
        var calls = 0
        var errors = 0
        var latency = LatencyWindow()
        var guardrails = GuardrailActivity()
        var spend = SpendActivity()
        var policy = PolicyActivity()
        var trends = TrendRing()
        /// Deployments seen drained at the last observation (nil before the first one).
        var drained: Set<String>?
    }

    private let state = Mutex(State())

    init() {}

    func record(_ event: GatewayEvent) {
        if case .policyDecision(let requestId, let evidence) = event {
            let row = ControlEventMapper.decisionRow(evidence, requestId: requestId)
            state.withLock { state in
                state.policy.record(row)
                state.trends.recordDecision(spiffeId: evidence.spiffeId, allowed: evidence.decision == "allow", at: evidence.at)
            }
            return
        }
        if case .health(let transition) = event, transition.to == .open {
            state.withLock { $0.trends.markCooldown(deployment: transition.deploymentID, at: transition.at) }
            return
        }
        guard case .call(let call) = event else { return }
        let finished = call.startedAt.addingTimeInterval(max(call.latencyMs, 0) / 1000)
        state.withLock { state in
            state.calls += 1
            if call.outcome != .success { state.errors += 1 }
            state.latency.record(call.attempts, at: finished)
            state.guardrails.record(call, finishedAt: finished)
            state.spend.record(call, finishedAt: finished)
            state.trends.record(call, finishedAt: finished)
        }
    }

    /// Notes which deployments are drained now (directly or through their provider): those
    /// that were not at the previous observation get a drain marker in the trend history.
    /// The first observation only sets the baseline (a drain older than the daemon began
    /// nothing here).
    func observeDrained(_ drained: Set<String>, at now: Date) {
        state.withLock { state in
            if let previous = state.drained {
                for deployment in drained.subtracting(previous) { state.trends.markDrain(deployment: deployment, at: now) }
            }
            state.drained = drained
        }
    }

    /// The whole trend window (the `trends` query).
    func trendHistory(at now: Date) -> TrendHistory {
        state.withLock { $0.trends.history(at: now) }
    }

    /// The newest `count` trend buckets (a `trend` event).
    func latestTrends(count: Int, at now: Date) -> TrendHistory {
        state.withLock { $0.trends.latest(count: count, at: now) }
    }

    var counts: (calls: Int, errors: Int) { state.withLock { ($0.calls, $0.errors) } }

    func percentiles(of deployment: String, at now: Date) -> (p50: Double, p95: Double)? {
        state.withLock { $0.latency.percentiles(of: deployment, at: now) }
    }

    /// Decision counts and the latest decision of `identity` since start.
    func policyCounts(of identity: String) -> PolicyActivity.Counts {
        state.withLock { $0.policy.counts(of: identity) }
    }

    func guardrailSummary(at now: Date) -> GuardrailSummary {
        state.withLock { $0.guardrails.summary(at: now) }
    }

    func spend(_ scope: GovernanceScope, at now: Date) -> (today: SpendActivity.Totals, burnRate: Money) {
        state.withLock { ($0.spend.today(scope, at: now), $0.spend.burnRate(scope, at: now)) }
    }
}

/// `GatewayEvent` -> the control protocol's event rows. Pure; drops what the console does not
/// show (`modelUnpriced`) and never copies a secret (records carry none; admin changes are
/// already masked by their publisher).
enum ControlEventMapper {
    /// `now` stamps the events that carry no time of their own (guardrail hits, admin changes).
    static func event(_ event: GatewayEvent, at now: Date) -> ControlEvent? {
        switch event {
        case .call(let record):
            return ControlEvent(kind: .call, call: callRow(record))
        case .guardrailHit(let requestId, let decision):
            return ControlEvent(
                kind: .guardrailHit,
                guardrailHit: GuardrailHitRow(
                    time: now, requestId: requestId, detector: decision.detector.rawValue, direction: decision.direction.rawValue,
                    action: decision.action.rawValue, count: decision.count, scope: nil))
        case .health(let transition):
            return ControlEvent(
                kind: .health,
                health: HealthRow(
                    time: transition.at, deployment: transition.deploymentID, from: transition.from.rawValue, to: transition.to.rawValue,
                    reason: transition.reason.rawValue))
        case .adminChange(let actor, let action, let target):
            return ControlEvent(kind: .adminChange, adminChange: AdminChangeRow(time: now, actor: actor, action: action, target: target))
        case .policyDecision(let requestId, let evidence):
            return ControlEvent(kind: .policyDecision, policyDecision: decisionRow(evidence, requestId: requestId))
        // `trend` events come from the session's own ticker (`ControlSession.pumpTrends`), not the bus.
        case .modelUnpriced, .spoolAlarm, .evidenceAnchor:
            return nil
        }
    }

    static func callRow(_ record: CallRecord) -> CallRow {
        let scope = [record.orgId, record.teamId, record.projectId].compactMap { $0 }.joined(separator: "/")
        return CallRow(
            requestId: record.requestId, time: record.startedAt, endpoint: record.endpoint,
            keyPrefix: record.keyPrefix.flatMap { $0.isEmpty ? nil : $0 },  // workload calls have no key
            scope: scope.isEmpty ? nil : scope, alias: record.alias ?? toolName(record), provider: record.provider, deployment: record.deployment,
            status: record.status, outcome: record.outcome.rawValue, errorClass: record.errorClass, latencyMs: record.latencyMs,
            ttftMs: record.ttftMs, promptTokens: record.promptTokens, completionTokens: record.completionTokens, costUSD: record.costUSD,
            streamed: record.streamed, attempts: record.attempts.count,
            guardrails: record.guardrails.filter { $0.action != .allow }.map { "\($0.detector.rawValue):\($0.action.rawValue)" },
            identity: record.policy?.spiffeId, policy: record.policy.map(policySummary))
    }

    /// A tool call has no alias: the console's model column shows the tool it called.
    static func toolName(_ record: CallRecord) -> String? {
        record.endpoint.hasPrefix("/mcp/") ? record.upstreamModel : nil
    }

    static func decisionRow(_ evidence: PolicyEvidence, requestId: String) -> PolicyDecisionRow {
        PolicyDecisionRow(
            time: evidence.at, requestId: requestId, spiffeId: evidence.spiffeId, kind: evidence.kind, model: evidence.model,
            resource: evidence.resource, action: evidence.action, decision: evidence.decision, policy: evidence.policy,
            version: evidence.version, rule: evidence.rule ?? "-", reason: evidence.reason ?? "-", wouldDenyRule: evidence.wouldDeny?.rule)
    }

    /// `name vN: allow|deny rule`, plus ` (shadow would deny rule)` for a shadow finding.
    static func policySummary(_ evidence: PolicyEvidence) -> String {
        let by = evidence.policy.map { "\($0) v\(evidence.version ?? 0): " } ?? ""
        // "-": the policy's audit.record leaves the rule out.
        var text = "\(by)\(evidence.decision) \(evidence.rule ?? "-")"
        if let wouldDeny = evidence.wouldDeny { text += " (shadow would deny \(wouldDeny.rule ?? "-"))" }
        return text
    }
}
