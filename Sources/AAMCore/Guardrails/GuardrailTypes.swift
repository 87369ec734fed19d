/// The name of a guardrail detector: a built-in one (`email`, `credit_card`, …) or a custom
/// detector declared in config.
///
/// Names are the public contract (admin API, config file, evidence); they are lowercase slugs.
public struct GuardrailDetector: RawRepresentable, Sendable, Hashable, Comparable, Codable,
    CodingKeyRepresentable, ExpressibleByStringLiteral, CustomStringConvertible
{
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ name: String) { self.rawValue = name }
    public init(stringLiteral value: String) { self.rawValue = value }

    public init(from decoder: any Decoder) throws {
        self.rawValue = try decoder.singleValueContainer().decode(String.self)
    }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
    public var codingKey: any CodingKey { DetectorKey(stringValue: rawValue) }
    public init?<T: CodingKey>(codingKey: T) { self.rawValue = codingKey.stringValue }

    public var description: String { rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The text that replaces a redacted match: `[` + the name in capitals + `]`, e.g. `[EMAIL]`,
    /// `[CREDIT_CARD]`, `[API_KEY]`. Only `[A-Z0-9_]` and brackets, so it is safe in JSON and SSE.
    public var placeholder: String { "[" + rawValue.uppercased() + "]" }

    // PII
    public static let email: Self = "email"
    /// International (E.164, `+` and country code) and common national formats with separators.
    public static let phone: Self = "phone"
    /// 13–19 digits, optionally grouped by spaces or dashes, Luhn-checked.
    public static let creditCard: Self = "credit_card"
    public static let ssn: Self = "ssn"
    public static let iban: Self = "iban"
    public static let ipAddress: Self = "ip_address"
    // Secrets
    /// AWS access key ids (`AKIA…`, `ASIA…`) and 40-character secret access keys near "aws".
    public static let awsAccessKey: Self = "aws_access_key"
    public static let githubToken: Self = "github_token"
    public static let gitlabToken: Self = "gitlab_token"
    public static let slackToken: Self = "slack_token"
    /// OpenAI (`sk-…`, `sk-proj-…`), Anthropic (`sk-ant-…`) and our own `sk-aam-` keys.
    public static let apiKey: Self = "api_key"
    public static let privateKey: Self = "private_key"
    public static let jwt: Self = "jwt"
    public static let highEntropySecret: Self = "high_entropy_secret"
    // Denied content
    /// Keywords and `/regular expressions/` listed per scope.
    public static let denylist: Self = "denylist"

    /// Every built-in detector that finds things by itself (all but `denylist`, which needs a
    /// list): the default set the benchmark measures.
    public static let builtInPatterns: [Self] = [
        .email, .phone, .creditCard, .ssn, .iban, .ipAddress, .awsAccessKey, .githubToken, .gitlabToken,
        .slackToken, .apiKey, .privateKey, .jwt, .highEntropySecret,
    ]
    /// Every built-in name, including `denylist`.
    public static let builtIn: [Self] = builtInPatterns + [.denylist]

    /// Whether `name` is usable as a custom detector name: 1–48 of `[a-z0-9_]`, starting with a
    /// letter (so its placeholder stays `[A-Z0-9_]`), and not a built-in name.
    public static func isValidCustomName(_ name: String) -> Bool {
        guard (1...48).contains(name.utf8.count), let first = name.utf8.first, first >= 0x61, first <= 0x7A else {
            return false
        }
        let allowed = name.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }
        return allowed && !builtIn.contains(Self(name))
    }
}

private struct DetectorKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// What a guardrail does with a match. Ordered by strictness: `allow < flag < redact < block`,
/// so the strictest of several actions is their `max()`.
public enum GuardrailAction: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// Do nothing (the detector does not even run).
    case allow
    /// Record the hit in evidence; the text passes unchanged.
    case flag
    /// Replace each match with the detector's placeholder.
    case redact
    /// Refuse the request (400 `guardrail_blocked`) or end the response.
    case block

    private var strictness: Int {
        switch self {
        case .allow: 0
        case .flag: 1
        case .redact: 2
        case .block: 3
        }
    }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.strictness < rhs.strictness }
}

/// Which way the text travels: to the vendor (`request`) or back to the client (`response`).
public enum GuardrailDirection: String, Sendable, Hashable, Codable, CaseIterable {
    case request
    case response
}

/// One detector hit: which detector and where, as UTF-8 byte offsets into the scanned text.
///
/// Deliberately holds no text: a match can be logged, counted or published without leaking what
/// it matched. (Slice the original text with `range` only to redact it.)
public struct GuardrailMatch: Sendable, Hashable {
    public var detector: GuardrailDetector
    /// UTF-8 byte offsets into the scanned text.
    public var range: Range<Int>
    /// The match runs to the end of the input because its terminator was not seen (a PEM block
    /// without its `-----END` line). A stream redactor treats it as still growing.
    public var isUnterminated: Bool

    public init(detector: GuardrailDetector, range: Range<Int>, isUnterminated: Bool = false) {
        self.detector = detector
        self.range = range
        self.isUnterminated = isUnterminated
    }
}
