/// A scope a guardrail policy attaches to. Its text form is the admin API path segment:
/// `org:ID`, `team:ID`, `project:ID`, `key:ID`.
public enum GuardrailScope: Sendable, Hashable, Codable, CustomStringConvertible, LosslessStringConvertible {
    case org(String)
    case team(String)
    case project(String)
    case key(String)

    /// Parses `org:acme`, `team:platform`, `project:chatbot`, `key:KEY_ID`; the id must be a
    /// valid slug.
    public init?(_ text: String) {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let kind = text[..<colon], id = String(text[text.index(after: colon)...])
        guard Slug.isValid(id) else { return nil }
        switch kind {
        case "org": self = .org(id)
        case "team": self = .team(id)
        case "project": self = .project(id)
        case "key": self = .key(id)
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .org(let id): "org:\(id)"
        case .team(let id): "team:\(id)"
        case .project(let id): "project:\(id)"
        case .key(let id): "key:\(id)"
        }
    }

    /// The chain a key's traffic is governed by, broadest first: org, team (if any), project (if
    /// any), the key itself.
    public static func chain(orgId: String, teamId: String?, projectId: String?, keyId: String?) -> [GuardrailScope] {
        [.org(orgId)] + (teamId.map { [.team($0)] } ?? []) + (projectId.map { [.project($0)] } ?? [])
            + (keyId.map { [.key($0)] } ?? [])
    }
}

/// The guardrail settings attached to one scope: the body of `PUT /admin/guardrails/SCOPE`
/// (`{"request":{"email":"redact",…},"response":{…},"denylist":["…"],"customDetectors":[…]}`)
/// and of a scope's `guardrails` section in the config file.
public struct GuardrailPolicy: Sendable, Hashable, Codable {
    /// Detector -> action for text sent to the vendor.
    public var request: [GuardrailDetector: GuardrailAction]
    /// Detector -> action for text coming back.
    public var response: [GuardrailDetector: GuardrailAction]
    /// Denied content: keywords (case-insensitive, whole words at their letter/digit edges) and
    /// regular expressions written `/…/` (case-insensitive, ICU syntax).
    public var denylist: [String]
    /// Detectors declared by this scope; name them in `request`/`response` to set their action.
    public var customDetectors: [CustomDetector]

    public init(
        request: [GuardrailDetector: GuardrailAction] = [:], response: [GuardrailDetector: GuardrailAction] = [:],
        denylist: [String] = [], customDetectors: [CustomDetector] = []
    ) {
        self.request = request
        self.response = response
        self.denylist = denylist
        self.customDetectors = customDetectors
    }

    private enum CodingKeys: String, CodingKey { case request, response, denylist, customDetectors }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        request = try c.decodeIfPresent([GuardrailDetector: GuardrailAction].self, forKey: .request) ?? [:]
        response = try c.decodeIfPresent([GuardrailDetector: GuardrailAction].self, forKey: .response) ?? [:]
        denylist = try c.decodeIfPresent([String].self, forKey: .denylist) ?? []
        customDetectors = try c.decodeIfPresent([CustomDetector].self, forKey: .customDetectors) ?? []
    }

    /// The actions for one direction.
    public func actions(_ direction: GuardrailDirection) -> [GuardrailDetector: GuardrailAction] {
        direction == .request ? request : response
    }

    /// Checks names and patterns; the error names the field (`request.emial`,
    /// `customDetectors[1].name`, `denylist[3]`).
    public func validate() throws(GuardrailConfigError) {
        var known = Set(GuardrailDetector.builtIn)
        for (index, custom) in customDetectors.enumerated() {
            guard GuardrailDetector.isValidCustomName(custom.name) else {
                throw GuardrailConfigError(
                    field: "customDetectors[\(index)].name",
                    message: "must be 1-48 of a-z, 0-9, _ starting with a letter, and not a built-in detector name")
            }
            known.insert(GuardrailDetector(custom.name))
        }
        for direction in GuardrailDirection.allCases {
            for name in actions(direction).keys.sorted() where !known.contains(name) {
                throw GuardrailConfigError(field: "\(direction.rawValue).\(name)", message: "unknown detector")
            }
        }
        // Compiling every pattern reports the first bad one by its field.
        _ = try GuardrailScanner(
            detectors: known, denylist: denylist, customDetectors: customDetectors)
    }
}
