import AAMCore
import Foundation
import HTTPTypes

/// Accumulates the call record of one request as it moves through the pipeline, and publishes
/// it exactly once.
final class CallTrace: @unchecked Sendable {
    // Safety: mutated only by the task serving the request (handler, then its response writer),
    // which run one after the other, never concurrently.
    var record: CallRecord
    let started = ContinuousClock.now
    private var published = false
    /// Budget reservation and rate charges of an admitted call: settled once, in `finish`.
    var governance: GovernanceHold?
    /// Holds on deployments tried (their `rpm`/`tpm`, their own and their provider's budgets),
    /// settled in `finish`: the one that served with the real cost and tokens, the others with none.
    var deploymentHolds: [(deployment: String, hold: GovernanceHold)] = []
    /// `x-ratelimit-*` headers to send (a rate-limit refusal's status).
    var rateLimitHeaders: HTTPFields = [:]
    /// Prices for the call's cost (`record.costUSD`); nil records no cost.
    var prices: PriceBook?
    /// Where the finished record is made durable (set by the endpoint; nil records nothing).
    var evidence: EvidenceWriter?
    /// A workload call's hold on its daily budget: replaced by the real cost in `finish`.
    var agentCharge: AgentSpendCharge?
    /// On a cluster, the same daily budget's hold on the leased ledger (`WorkloadBudgetLease`).
    var workloadBudget: GovernanceHold?
    /// Strict durability: the finished record until `makeDurable` has appended it.
    private var awaitingDurability: CallRecord?

    init(requestID: String, endpoint: String, startedAt: Date) {
        record = CallRecord(requestId: requestID, startedAt: startedAt, endpoint: endpoint, status: 0, outcome: .rejected)
    }

    deinit {
        // A path that finished the call but never awaited durability still records it (batched).
        if let record = awaitingDurability { evidence?.enqueue(record) }
        // A trace dropped without `finish` must not keep its daily-budget hold forever.
        agentCharge?.release()
    }

    var elapsedMs: Double { Self.milliseconds(ContinuousClock.now - started) }

    func identify(_ key: VirtualKey) {
        record.keyId = key.id
        record.keyPrefix = key.prefix
        record.orgId = key.orgId
        record.teamId = key.teamId
        record.projectId = key.projectId
    }

    /// One upstream attempt on `deployment`, begun at `start`: what it answered (`status`, nil
    /// when nothing came) and why it failed (`errorClass`, nil when it served the call).
    func recordAttempt(_ deployment: Deployment, status: Int?, errorClass: ErrorCode?, since start: ContinuousClock.Instant) {
        record.attempts.append(.init(
            deployment: deployment.id, provider: deployment.provider, status: status, errorClass: errorClass?.rawValue,
            latencyMs: Self.milliseconds(ContinuousClock.now - start)))
    }

    func served(by deployment: Deployment) {
        record.provider = deployment.provider
        record.deployment = deployment.id
        record.upstreamModel = deployment.upstreamModel
    }

    /// Headers every error answer carries: which provider and deployment answered (when one
    /// did, say a vendor's 400 relayed) and the `x-ratelimit-*` of a rate-limit refusal.
    var servedHeaders: HTTPFields {
        var fields = HTTPFields()
        if let provider = record.provider { fields[Responses.providerField] = provider }
        if let deployment = record.deployment { fields[Responses.deploymentField] = deployment }
        fields.append(contentsOf: rateLimitHeaders)
        return fields
    }

    func markFirstByte() {
        if record.ttftMs == nil { record.ttftMs = elapsedMs }
    }

    /// Finishes a call billed by `EarlyEndSettlement` (a stream, or a call the client left after
    /// the upstream accepted it): the settled usage is recorded, priced and charged to every hold
    /// like a reported one, and the record says whether it is estimated.
    func finish(status: Int, outcome: CallRecord.Outcome, errorClass: ErrorCode? = nil, settled: EarlyEndSettlement.Settled, bus: EventBus) {
        guard !published else { return }
        record.usageEstimated = settled.estimated
        finish(status: status, outcome: outcome, errorClass: errorClass, usage: settled.usage, bus: bus)
    }

    func finish(status: Int, outcome: CallRecord.Outcome, errorClass: ErrorCode? = nil, usage: TokenUsage? = nil, bus: EventBus) {
        guard !published else { return }
        published = true
        record.status = status
        record.outcome = outcome
        record.errorCode = errorClass ?? record.errorCode
        if let usage {
            record.promptTokens = usage.promptTokens
            record.completionTokens = usage.completionTokens
            // The attempt that answered is the one the vendor billed.
            if let last = record.attempts.indices.last, record.attempts[last].errorClass == nil {
                record.attempts[last].promptTokens = usage.promptTokens
                record.attempts[last].completionTokens = usage.completionTokens
            }
        }
        record.latencyMs = elapsedMs
        var cost = Money.zero
        if let usage, let prices, let provider = record.provider, let model = record.upstreamModel,
            let price = prices.price(provider: provider, model: model, at: record.startedAt)
        {
            // An overflow leaves the cost unrecorded (and unbilled) rather than failing the call.
            if let billed = try? price.cost(of: usage) {
                cost = billed
                record.costUSD = billed.description
                record.priceVersion = price.version
            }
        }
        let tokens = Int64(TokenUsage.sum(record.promptTokens, record.completionTokens))
        for hold in [governance, workloadBudget].compactMap({ $0 }) {
            _ = hold.state.settle(hold.admission, actual: Spend(usd: cost, tokens: tokens), at: hold.clock.now())
        }
        (governance, workloadBudget) = (nil, nil)
        // Only the last hold on the deployment that answered is billed (a retry of the same one
        // must not pay twice).
        let billed = deploymentHolds.lastIndex { $0.deployment == record.deployment }
        for (index, (_, hold)) in deploymentHolds.enumerated() {
            let served = index == billed
            _ = hold.state.settle(hold.admission, actual: served ? Spend(usd: cost, tokens: tokens) : .zero, at: hold.clock.now())
        }
        deploymentHolds = []
        agentCharge?.settle(cost)
        agentCharge = nil
        // The policy evidence gets the call's latency and cost when its policy lists them.
        let (latencyMs, costUSD) = (record.latencyMs, record.costUSD)  // read first: `record` is being modified below
        record.policy?.completeCall(latencyMs: latencyMs, costUSD: costUSD)
        // Within `RecordBounds` before it goes anywhere (bus, console, SIEM, metrics, spool).
        record = record.bounded()
        bus.publish(.call(record))
        if let evidence, evidence.accept(record) { awaitingDurability = record }
    }

    /// Strict durability: appends the finished record to the spool and returns once it is
    /// fsynced; call it before the response's last bytes go out. A no-op (true) in batched mode
    /// or before `finish`. False when the record could not be made durable (spool full or
    /// failed): the caller must then answer `evidence_unavailable` instead of completing; the
    /// record, amended to say so, is kept in memory and retried by the writer.
    func makeDurable() async -> Bool {
        guard let pending = awaitingDurability, let evidence else { return true }
        awaitingDurability = nil
        do {
            try await evidence.appendDurably([.call(pending)])
            return true
        } catch {
            var amended = pending
            if !amended.streamed { amended.status = GatewayError.evidenceUnavailable.status }
            amended.outcome = amended.streamed && amended.status == 200 ? .truncated : .rejected
            amended.errorCode = GatewayError.evidenceUnavailable.code
            record = amended
            evidence.enqueueRefused(amended)
            evidence.logger.error("a call record could not be made durable; the call is refused", metadata: [
                "request_id": .string(pending.requestId), "error": "\(error)"])
            return false
        }
    }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }
}
