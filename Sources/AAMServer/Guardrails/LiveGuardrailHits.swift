import AAMCore

/// Publishes a stream's guardrail hits while it runs: each time the redactors' running tallies
/// grow, the increase goes on the bus as a `guardrailHit` (count = the new hits), so watchers
/// see hits live and the totals over a stream add up to the call record's decisions.
struct LiveGuardrailHits {
    private var published: [Key: Int] = [:]

    private struct Key: Hashable {
        let detector: GuardrailDetector
        let action: GuardrailAction
        let location: String
    }

    mutating func publishNew(_ decisions: [GuardrailDecision], requestId: String, bus: EventBus) {
        for decision in decisions where decision.action != .allow {
            let key = Key(detector: decision.detector, action: decision.action, location: decision.location)
            let already = published[key] ?? 0
            guard decision.count > already else { continue }
            published[key] = decision.count
            var increase = decision
            increase.count = decision.count - already
            bus.publish(.guardrailHit(requestId: requestId, decision: increase))
        }
    }
}
