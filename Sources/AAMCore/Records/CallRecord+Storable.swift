import Foundation

extension CallRecord {
    /// The record with NUL replaced in every string it holds (`StorableText`), field by field:
    /// the same result as `StorableText.storable(record).value` without encoding the record to
    /// JSON and back, which cost a `JSONEncoder` per drained record. Returns `self` untouched
    /// when no string holds a NUL (the usual case: one `contains` scan per field).
    public var storable: CallRecord {
        var record = self
        func clean(_ text: inout String) { text = StorableText.clean(text) }
        func clean(_ text: inout String?) { text = StorableText.clean(text) }
        clean(&record.requestId)
        clean(&record.keyId)
        clean(&record.keyPrefix)
        clean(&record.orgId)
        clean(&record.teamId)
        clean(&record.projectId)
        clean(&record.endpoint)
        clean(&record.alias)
        clean(&record.provider)
        clean(&record.deployment)
        clean(&record.upstreamModel)
        clean(&record.errorClass)
        clean(&record.costUSD)
        clean(&record.priceVersion)
        for index in record.attempts.indices {
            clean(&record.attempts[index].deployment)
            clean(&record.attempts[index].provider)
            clean(&record.attempts[index].errorClass)
        }
        for index in record.guardrails.indices {
            let detector = StorableText.clean(record.guardrails[index].detector.rawValue)
            if detector != record.guardrails[index].detector.rawValue { record.guardrails[index].detector = GuardrailDetector(rawValue: detector) }
            clean(&record.guardrails[index].location)
        }
        if var policy = record.policy {
            clean(&policy.spiffeId)
            clean(&policy.kind)
            clean(&policy.model)
            clean(&policy.resource)
            clean(&policy.action)
            clean(&policy.decision)
            clean(&policy.policy)
            clean(&policy.rule)
            clean(&policy.reason)
            clean(&policy.costUSD)
            clean(&policy.parameters)
            if var wouldDeny = policy.wouldDeny {
                clean(&wouldDeny.policy)
                clean(&wouldDeny.rule)
                clean(&wouldDeny.reason)
                policy.wouldDeny = wouldDeny
            }
            record.policy = policy
        }
        return record
    }
}
