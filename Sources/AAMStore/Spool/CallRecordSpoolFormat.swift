import AAMCore
import Foundation

/// `CallRecord` in the spool's binary format: every field in declaration order, no names.
///
/// Why not JSON: every call writes one record and the drain reads it back, and Foundation's
/// `JSONEncoder`/`JSONDecoder` were ~14 % of the gateway's CPU under load (docs/benchmarks.md).
/// This format costs a few hundred nanoseconds each way. Dates are stored as the bit pattern
/// of `timeIntervalSinceReferenceDate` (what `Date` itself holds), so a replayed record is
/// bit-for-bit the record that was spooled.
///
/// The layout is versioned by `SpoolCodec`'s leading byte: a field added later goes at the
/// end under a new version byte, and the decoder of the old version stays.
enum CallRecordSpoolFormat {
    static func write(_ record: CallRecord, to out: inout SpoolByteWriter) {
        out.string(record.requestId)
        out.double(record.startedAt.timeIntervalSinceReferenceDate)
        out.optionalString(record.keyId)
        out.optionalString(record.keyPrefix)
        out.optionalString(record.orgId)
        out.optionalString(record.teamId)
        out.optionalString(record.projectId)
        out.string(record.endpoint)
        out.optionalString(record.alias)
        out.optionalString(record.provider)
        out.optionalString(record.deployment)
        out.optionalString(record.upstreamModel)
        out.int(record.status)
        out.string(record.outcome.rawValue)
        out.optionalString(record.errorClass)
        out.int(record.promptTokens)
        out.int(record.completionTokens)
        out.double(record.latencyMs)
        out.optionalDouble(record.ttftMs)
        out.bool(record.streamed)
        out.unsigned(UInt64(record.attempts.count))
        for attempt in record.attempts { write(attempt, to: &out) }
        out.unsigned(UInt64(record.guardrails.count))
        for decision in record.guardrails { write(decision, to: &out) }
        out.optionalString(record.costUSD)
        out.optionalString(record.priceVersion)
        out.bool(record.policy != nil)
        if let policy = record.policy { write(policy, to: &out) }
        out.bool(record.usageEstimated)
    }

    /// Reads the fields in the order `write` wrote them. Some are read inside an initializer's
    /// argument list: Swift evaluates arguments left to right, so that order is the field order.
    static func read(from input: inout SpoolByteReader) throws(SpoolFormatError) -> CallRecord {
        let requestId = try input.string()
        let startedAt = Date(timeIntervalSinceReferenceDate: try input.double())
        let keyId = try input.optionalString()
        let keyPrefix = try input.optionalString()
        let orgId = try input.optionalString()
        let teamId = try input.optionalString()
        let projectId = try input.optionalString()
        let endpoint = try input.string()
        let alias = try input.optionalString()
        let provider = try input.optionalString()
        let deployment = try input.optionalString()
        let upstreamModel = try input.optionalString()
        let status = try input.int()
        let outcomeName = try input.string()
        guard let outcome = CallRecord.Outcome(rawValue: outcomeName) else {
            throw SpoolFormatError("unknown call outcome \"\(outcomeName.prefix(40))\"")
        }
        var record = CallRecord(
            requestId: requestId, startedAt: startedAt, keyId: keyId, keyPrefix: keyPrefix, orgId: orgId, teamId: teamId,
            projectId: projectId, endpoint: endpoint, alias: alias, provider: provider, deployment: deployment,
            upstreamModel: upstreamModel, status: status, outcome: outcome, errorClass: try input.optionalString(),
            promptTokens: try input.int(), completionTokens: try input.int(), latencyMs: try input.double(),
            ttftMs: try input.optionalDouble(), streamed: try input.bool())
        let attempts = try input.count()
        record.attempts.reserveCapacity(attempts)
        for _ in 0..<attempts { record.attempts.append(try readAttempt(from: &input)) }
        let decisions = try input.count()
        record.guardrails.reserveCapacity(decisions)
        for _ in 0..<decisions { record.guardrails.append(try readDecision(from: &input)) }
        record.costUSD = try input.optionalString()
        record.priceVersion = try input.optionalString()
        record.policy = try input.bool() ? try readPolicy(from: &input) : nil
        record.usageEstimated = try input.bool()
        return record
    }

    private static func write(_ attempt: CallRecord.Attempt, to out: inout SpoolByteWriter) {
        out.string(attempt.deployment)
        out.string(attempt.provider)
        out.optionalInt(attempt.status)
        out.optionalString(attempt.errorClass)
        out.double(attempt.latencyMs)
        out.optionalInt(attempt.promptTokens)
        out.optionalInt(attempt.completionTokens)
    }

    private static func readAttempt(from input: inout SpoolByteReader) throws(SpoolFormatError) -> CallRecord.Attempt {
        CallRecord.Attempt(
            deployment: try input.string(), provider: try input.string(), status: try input.optionalInt(),
            errorClass: try input.optionalString(), latencyMs: try input.double(), promptTokens: try input.optionalInt(),
            completionTokens: try input.optionalInt())
    }

    private static func write(_ decision: GuardrailDecision, to out: inout SpoolByteWriter) {
        out.string(decision.detector.rawValue)
        out.string(decision.direction.rawValue)
        out.string(decision.action.rawValue)
        out.int(decision.count)
        out.string(decision.location)
    }

    private static func readDecision(from input: inout SpoolByteReader) throws(SpoolFormatError) -> GuardrailDecision {
        let detector = GuardrailDetector(rawValue: try input.string())
        let directionName = try input.string()
        let actionName = try input.string()
        guard let direction = GuardrailDirection(rawValue: directionName), let action = GuardrailAction(rawValue: actionName) else {
            throw SpoolFormatError("unknown guardrail direction or action \"\(directionName.prefix(20))\"/\"\(actionName.prefix(20))\"")
        }
        return GuardrailDecision(detector: detector, direction: direction, action: action, count: try input.int(), location: try input.string())
    }

    private static func write(_ policy: PolicyEvidence, to out: inout SpoolByteWriter) {
        out.string(policy.spiffeId)
        out.string(policy.kind)
        out.optionalString(policy.model)
        out.optionalString(policy.resource)
        out.optionalString(policy.action)
        out.string(policy.decision)
        out.optionalString(policy.policy)
        out.optionalInt(policy.version)
        out.optionalString(policy.rule)
        out.optionalString(policy.reason)
        out.bool(policy.wouldDeny != nil)
        if let wouldDeny = policy.wouldDeny {
            out.optionalString(wouldDeny.policy)
            out.optionalInt(wouldDeny.version)
            out.optionalString(wouldDeny.rule)
            out.optionalString(wouldDeny.reason)
        }
        out.double(policy.at.timeIntervalSinceReferenceDate)
        out.optionalDouble(policy.latencyMs)
        out.optionalString(policy.costUSD)
        out.optionalString(policy.parameters)
        out.optionalInt(policy.parametersTruncated.map { $0 ? 1 : 0 })
    }

    private static func readPolicy(from input: inout SpoolByteReader) throws(SpoolFormatError) -> PolicyEvidence {
        let spiffeId = try input.string()
        let kind = try input.string()
        let model = try input.optionalString()
        let resource = try input.optionalString()
        let action = try input.optionalString()
        let decision = try input.string()
        let policy = try input.optionalString()
        let version = try input.optionalInt()
        let rule = try input.optionalString()
        let reason = try input.optionalString()
        let wouldDeny: PolicyEvidence.WouldDeny? =
            try input.bool()
            ? PolicyEvidence.WouldDeny(
                policy: try input.optionalString(), version: try input.optionalInt(), rule: try input.optionalString(),
                reason: try input.optionalString())
            : nil
        return PolicyEvidence(
            spiffeId: spiffeId, kind: kind, model: model, resource: resource, action: action, decision: decision, policy: policy,
            version: version, rule: rule, reason: reason, wouldDeny: wouldDeny,
            at: Date(timeIntervalSinceReferenceDate: try input.double()), latencyMs: try input.optionalDouble(),
            costUSD: try input.optionalString(), parameters: try input.optionalString(),
            parametersTruncated: try input.optionalInt().map { $0 != 0 })
    }
}
