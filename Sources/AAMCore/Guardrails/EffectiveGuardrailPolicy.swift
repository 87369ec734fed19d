/// The policy that governs one scope chain (org -> team -> project -> key): per direction and
/// detector, the STRICTEST action any scope in the chain sets (`block > redact > flag > allow`),
/// so a narrower scope can tighten what its parents set but never loosen it. Denylists and
/// custom detectors accumulate along the chain.
///
/// Defaults when no scope in the chain names a detector: `allow` for built-ins; `block` for
/// `denylist` once some scope lists entries (a denylist exists to deny); `flag` for a custom
/// detector (declared means wanted on the record).
///
/// This is also what `GET /admin/guardrails/SCOPE` returns.
public struct EffectiveGuardrailPolicy: Sendable, Hashable, Codable {
    public var request: [GuardrailDetector: GuardrailAction]
    public var response: [GuardrailDetector: GuardrailAction]
    public var denylist: [String]
    public var customDetectors: [CustomDetector]

    /// Resolves `chain` (policies of the scopes, any order: strictest-wins is order-free).
    public init(chain: [GuardrailPolicy]) {
        var request: [GuardrailDetector: GuardrailAction] = [:]
        var response: [GuardrailDetector: GuardrailAction] = [:]
        var denylist: [String] = []
        var seenDeny = Set<String>()
        var custom: [CustomDetector] = []
        for policy in chain {
            request.merge(policy.request, uniquingKeysWith: max)
            response.merge(policy.response, uniquingKeysWith: max)
            for entry in policy.denylist where seenDeny.insert(entry).inserted { denylist.append(entry) }
            for detector in policy.customDetectors where !custom.contains(detector) { custom.append(detector) }
        }
        if !denylist.isEmpty {
            if request[.denylist] == nil { request[.denylist] = .block }
            if response[.denylist] == nil { response[.denylist] = .block }
        }
        for detector in custom {
            let name = GuardrailDetector(detector.name)
            if request[name] == nil { request[name] = .flag }
            if response[name] == nil { response[name] = .flag }
        }
        self.request = request
        self.response = response
        self.denylist = denylist
        self.customDetectors = custom
    }

    /// Every built-in detector at `action` in both directions (no denylist, no custom): the
    /// benchmark's "default set" and a sensible starting point for an org policy.
    public static func uniform(_ action: GuardrailAction) -> Self {
        let all = Dictionary(uniqueKeysWithValues: GuardrailDetector.builtInPatterns.map { ($0, action) })
        return Self(chain: [GuardrailPolicy(request: all, response: all)])
    }

    /// The actions for one direction.
    public func actions(_ direction: GuardrailDirection) -> [GuardrailDetector: GuardrailAction] {
        direction == .request ? request : response
    }

    /// The action for `detector` in `direction` (`allow` if unset).
    public func action(for detector: GuardrailDetector, _ direction: GuardrailDirection) -> GuardrailAction {
        actions(direction)[detector] ?? .allow
    }
}
