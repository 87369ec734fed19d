import AAMCore
import Foundation

/// Accumulates the call record of one request as it moves through the pipeline, and publishes
/// it exactly once.
final class CallTrace: @unchecked Sendable {
    // Safety: mutated only by the task serving the request (handler, then its response writer),
    // which run one after the other, never concurrently.
    var record: CallRecord
    let started = ContinuousClock.now
    private var published = false

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
        bus.publish(.call(record))
    }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }
}
