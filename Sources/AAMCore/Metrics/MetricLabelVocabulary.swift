/// The only values a metric label may take: names from the configuration, enum cases and
/// bounded numbers.
///
/// A request's `model` is user input: an alias that is not configured must never become a
/// label value (it could be a pasted key, or a new series per request). Anything outside the
/// vocabulary is reported as `unknown`; an absent value as `none`.
public struct MetricLabelVocabulary: Sendable {
    public var aliases: Set<String>
    public var providers: Set<String>
    public var deployments: Set<String>
    public var customDetectors: Set<String>

    public init(aliases: Set<String> = [], providers: Set<String> = [], deployments: Set<String> = [], customDetectors: Set<String> = []) {
        self.aliases = aliases
        self.providers = providers
        self.deployments = deployments
        self.customDetectors = customDetectors
    }

    /// The vocabulary of a configuration snapshot.
    public init(snapshot: ConfigSnapshot) {
        let state = snapshot.state
        var customDetectors = Set<String>()
        for policy in state.guardrails.values {
            for detector in policy.customDetectors { customDetectors.insert(detector.name) }
        }
        self.init(
            aliases: snapshot.aliasNames, providers: Set(state.providers.keys), deployments: Set(state.deployments.keys),
            customDetectors: customDetectors)
    }

    public static let unknown = "unknown"
    public static let none = "none"

    public func alias(_ value: String?) -> String { Self.known(value, in: aliases) }
    public func provider(_ value: String?) -> String { Self.known(value, in: providers) }
    public func deployment(_ value: String?) -> String { Self.known(value, in: deployments) }

    /// A built-in detector name, a configured custom one, or `unknown`.
    public func detector(_ detector: GuardrailDetector) -> String {
        let name = detector.rawValue
        return GuardrailDetector.builtIn.contains(detector) || customDetectors.contains(name) ? name : Self.unknown
    }

    /// An HTTP status code (100–599), `none` when there was no response, else `other`.
    public static func status(_ status: Int?) -> String {
        guard let status else { return none }
        return (100...599).contains(status) ? String(status) : "other"
    }

    private static func known(_ value: String?, in names: Set<String>) -> String {
        guard let value else { return none }
        return names.contains(value) ? value : unknown
    }
}
