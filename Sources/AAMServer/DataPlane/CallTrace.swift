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
    /// Rate charges on deployments tried (their `rpm`/`tpm`), settled in `finish`: the one that
    /// served with the real tokens, the others with none.
    var deploymentHolds: [(deployment: String, hold: GovernanceHold)] = []
    /// `x-ratelimit-*` headers to send (a rate-limit refusal's status).
    var rateLimitHeaders: HTTPFields = [:]
    /// Prices for the call's cost (`record.costUSD`); nil records no cost.
    var prices: PriceBook?

    init(requestID: String, endpoint: String, startedAt: Date) {
        record = CallRecord(requestId: requestID, startedAt: startedAt, endpoint: endpoint, status: 0, outcome: .rejected)
    }

    var elapsedMs: Double { Self.milliseconds(ContinuousClock.now - started) }

    func identify(_ key: VirtualKey) {
        record.keyId = key.id
        record.keyPrefix = key.prefix
        record.orgId = key.orgId
        record.teamId = key.teamId
        record.projectId = key.projectId
    }

    func served(by deployment: Deployment) {
        record.provider = deployment.provider
        record.deployment = deployment.id
        record.upstreamModel = deployment.upstreamModel
    }

    func markFirstByte() {
        if record.ttftMs == nil { record.ttftMs = elapsedMs }
    }

    func finish(status: Int, outcome: CallRecord.Outcome, errorClass: String? = nil, usage: TokenUsage? = nil, bus: EventBus) {
        guard !published else { return }
        published = true
        record.status = status
        record.outcome = outcome
        record.errorClass = errorClass ?? record.errorClass
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
        let tokens = Int64(max(record.promptTokens, 0)) + Int64(max(record.completionTokens, 0))
        if let hold = governance {
            governance = nil
            _ = hold.state.settle(hold.admission, actual: Spend(usd: cost, tokens: tokens), at: hold.clock.now())
        }
        for (deployment, hold) in deploymentHolds {
            let served = deployment == record.deployment
            _ = hold.state.settle(hold.admission, actual: Spend(tokens: served ? tokens : 0), at: hold.clock.now())
        }
        deploymentHolds = []
        bus.publish(.call(record))
    }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }
}
