import Foundation

/// The counters and histograms that events feed (`aam_requests_total`, tokens, spend, latency,
/// attempts, guardrail hits): a pure fold over `GatewayEvent`s, rendered by `MetricsExposition`.
///
/// Every label value comes from `MetricLabelVocabulary`, so the number of series is bounded by
/// the configuration, the enums and the HTTP status range, whatever clients send.
public struct GatewayMetrics: Sendable {
    struct RequestKey: Hashable, Comparable {
        var alias, provider, status, outcome: String
        static func < (l: Self, r: Self) -> Bool { (l.alias, l.provider, l.status, l.outcome) < (r.alias, r.provider, r.status, r.outcome) }
    }
    struct TokenKey: Hashable, Comparable {
        var alias, provider, direction: String
        static func < (l: Self, r: Self) -> Bool { (l.alias, l.provider, l.direction) < (r.alias, r.provider, r.direction) }
    }
    struct AliasProvider: Hashable, Comparable {
        var alias, provider: String
        static func < (l: Self, r: Self) -> Bool { (l.alias, l.provider) < (r.alias, r.provider) }
    }
    struct AttemptKey: Hashable, Comparable {
        var provider, deployment, status: String
        static func < (l: Self, r: Self) -> Bool { (l.provider, l.deployment, l.status) < (r.provider, r.deployment, r.status) }
    }
    struct GuardrailKey: Hashable, Comparable {
        var detector, direction, action: String
        static func < (l: Self, r: Self) -> Bool { (l.detector, l.direction, l.action) < (r.detector, r.direction, r.action) }
    }

    var requests: [RequestKey: Int] = [:]
    var tokens: [TokenKey: Int] = [:]
    var spend: [AliasProvider: Money] = [:]
    var durations: [String: MetricHistogram] = [:]
    var firstTokens: [String: MetricHistogram] = [:]
    var attempts: [AttemptKey: Int] = [:]
    var guardrailHits: [GuardrailKey: Int] = [:]
    var unpricedModels = 0
    var healthTransitions: [String: Int] = [:]

    public init() {}

    /// Folds one event in. Events this registry does not count (and future cases) are ignored.
    public mutating func record(_ event: GatewayEvent, vocabulary: MetricLabelVocabulary) {
        // `if case` rather than `switch`: cases added later (a spool alarm, a policy decision)
        // fall through without a warning or a change here.
        if case .call(let record) = event {
            recordCall(record, vocabulary: vocabulary)
        } else if case .guardrailHit(_, let decision) = event {
            let key = GuardrailKey(
                detector: vocabulary.detector(decision.detector), direction: decision.direction.rawValue, action: decision.action.rawValue)
            guardrailHits[key, default: 0] += max(1, decision.count)
        } else if case .modelUnpriced = event {
            unpricedModels += 1
        } else if case .health(let transition) = event {
            healthTransitions[transition.to.rawValue, default: 0] += 1
        }
    }

    private mutating func recordCall(_ record: CallRecord, vocabulary: MetricLabelVocabulary) {
        let alias = vocabulary.alias(record.alias)
        let provider = vocabulary.provider(record.provider)
        requests[RequestKey(alias: alias, provider: provider, status: MetricLabelVocabulary.status(record.status), outcome: record.outcome.rawValue), default: 0] += 1
        if record.promptTokens > 0 { tokens[TokenKey(alias: alias, provider: provider, direction: "prompt"), default: 0] += record.promptTokens }
        if record.completionTokens > 0 {
            tokens[TokenKey(alias: alias, provider: provider, direction: "completion"), default: 0] += record.completionTokens
        }
        if let text = record.costUSD, let cost = try? Money(parsing: text) {
            spend[AliasProvider(alias: alias, provider: provider), default: .zero] = spend[AliasProvider(alias: alias, provider: provider), default: .zero].saturatingAdding(cost)
        }
        durations[alias, default: MetricHistogram(bounds: MetricHistogram.requestDurationBounds)].observe(record.latencyMs / 1000)
        if let ttft = record.ttftMs {
            firstTokens[alias, default: MetricHistogram(bounds: MetricHistogram.firstTokenBounds)].observe(ttft / 1000)
        }
        for attempt in record.attempts {
            let key = AttemptKey(
                provider: vocabulary.provider(attempt.provider), deployment: vocabulary.deployment(attempt.deployment),
                status: MetricLabelVocabulary.status(attempt.status))
            attempts[key, default: 0] += 1
        }
    }
}
