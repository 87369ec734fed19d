/// Caps on what one call record carries, so that every record fits everywhere it goes (a spool
/// frame, a control-protocol line, a database row, a SIEM event, the console) whatever a client,
/// an upstream or an MCP server sent.
///
/// Client-supplied strings are refused at validation when too long (`model`: 400 naming it);
/// these caps are the second line, applied to every finished record (`CallRecord.bounded()`):
/// texts are cut on a character boundary and marked with `…`, guardrail decisions past the cap
/// are merged per detector (their counts kept), attempts past the cap are dropped (the first
/// ones, which explain the outcome, stay). With these caps a record's JSON stays well under
/// 1 MiB (`maximumEncodedBytes`).
public enum RecordBounds {
    /// Longest text field kept, in UTF-8 bytes (ids, alias, model, error class, locations).
    public static let maxTextBytes = 1024
    /// Most attempts kept (deployments × fallbacks; far more than any real route).
    public static let maxAttempts = 64
    /// Most guardrail decisions kept one by one; the rest are merged per detector.
    public static let maxGuardrailDecisions = 256
    /// An upper bound on the JSON of a bounded record (each of the few dozen text fields at most
    /// six bytes per UTF-8 byte escaped; the arrays at their caps), checked by a test.
    public static let maximumEncodedBytes = 1 << 20

    /// `text` cut to at most `maxBytes` UTF-8 bytes on a character boundary, ending in `…`
    /// when cut (the marker fits inside the cap).
    public static func clip(_ text: String, maxBytes: Int = maxTextBytes) -> String {
        guard text.utf8.count > maxBytes else { return text }
        let marker = "…"
        var kept = ""
        var used = 0
        let budget = max(maxBytes - marker.utf8.count, 0)
        for character in text {
            let size = character.utf8.count
            guard used + size <= budget else { break }
            kept.append(character)
            used += size
        }
        return kept + marker
    }

    static func clip(_ text: String?) -> String? { text.map { clip($0) } }
}

extension CallRecord {
    /// This record within `RecordBounds`: what the gateway publishes, spools and exports.
    public func bounded() -> CallRecord {
        var record = self
        record.requestId = RecordBounds.clip(requestId)
        record.keyId = RecordBounds.clip(keyId)
        record.keyPrefix = RecordBounds.clip(keyPrefix)
        record.orgId = RecordBounds.clip(orgId)
        record.teamId = RecordBounds.clip(teamId)
        record.projectId = RecordBounds.clip(projectId)
        record.endpoint = RecordBounds.clip(endpoint)
        record.alias = RecordBounds.clip(alias)
        record.provider = RecordBounds.clip(provider)
        record.deployment = RecordBounds.clip(deployment)
        record.upstreamModel = RecordBounds.clip(upstreamModel)
        record.errorClass = RecordBounds.clip(errorClass)
        record.costUSD = RecordBounds.clip(costUSD)
        record.priceVersion = RecordBounds.clip(priceVersion)
        record.attempts = attempts.prefix(RecordBounds.maxAttempts).map { attempt in
            var attempt = attempt
            attempt.deployment = RecordBounds.clip(attempt.deployment)
            attempt.provider = RecordBounds.clip(attempt.provider)
            attempt.errorClass = RecordBounds.clip(attempt.errorClass)
            return attempt
        }
        record.guardrails = Self.bounded(guardrails)
        record.policy = policy?.bounded()
        return record
    }

    /// The first `maxGuardrailDecisions - 1` decisions as they are; the rest merged into one
    /// per detector, direction and action (counts summed, location saying how many were merged).
    static func bounded(_ decisions: [GuardrailDecision]) -> [GuardrailDecision] {
        let clipped = { (decision: GuardrailDecision) -> GuardrailDecision in
            var decision = decision
            decision.location = RecordBounds.clip(decision.location)
            decision.detector = GuardrailDetector(rawValue: RecordBounds.clip(decision.detector.rawValue))
            return decision
        }
        guard decisions.count > RecordBounds.maxGuardrailDecisions else { return decisions.map(clipped) }
        let keep = RecordBounds.maxGuardrailDecisions / 2
        var result = decisions.prefix(keep).map(clipped)
        var merged: [GuardrailDecision] = []
        var places: [Int] = []
        for decision in decisions.dropFirst(keep).map(clipped) {
            if let index = merged.firstIndex(where: {
                ($0.detector, $0.direction, $0.action) == (decision.detector, decision.direction, decision.action)
            }) {
                let (sum, overflow) = merged[index].count.addingReportingOverflow(decision.count)
                merged[index].count = overflow ? .max : sum
                places[index] += 1
            } else if merged.count < RecordBounds.maxGuardrailDecisions - keep {
                merged.append(decision)
                places.append(1)
            }
        }
        for index in merged.indices where places[index] > 1 {
            merged[index].location = "\(places[index]) locations"
        }
        result += merged
        return result
    }
}

extension PolicyEvidence {
    /// This evidence within `RecordBounds` (`parameters` is capped by `RecordedArguments`).
    func bounded() -> PolicyEvidence {
        var evidence = self
        evidence.spiffeId = RecordBounds.clip(spiffeId)
        evidence.kind = RecordBounds.clip(kind)
        evidence.model = RecordBounds.clip(model)
        evidence.resource = RecordBounds.clip(resource)
        evidence.action = RecordBounds.clip(action)
        evidence.decision = RecordBounds.clip(decision)
        evidence.policy = RecordBounds.clip(policy)
        evidence.rule = RecordBounds.clip(rule)
        evidence.reason = RecordBounds.clip(reason)
        evidence.costUSD = RecordBounds.clip(costUSD)
        if let parameters, parameters.utf8.count > RecordedArguments.limit {
            evidence.parameters = RecordBounds.clip(parameters, maxBytes: RecordedArguments.limit)
            evidence.parametersTruncated = true
        }
        return evidence
    }
}
