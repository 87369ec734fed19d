import Foundation

/// A tool call's arguments as `spec.audit.record: [parameters]` records them: compact JSON
/// (sorted keys), secrets masked, at most `limit` bytes.
///
/// Masking happens on each decoded string value before encoding, so a match can never be cut
/// by JSON escaping or by the cap:
/// - every secret detector of the guardrails (`api_key`, `private_key`, `jwt`, `aws_access_key`,
///   `github_token`, `gitlab_token`, `slack_token`, `high_entropy_secret`) replaces what it
///   finds with its placeholder (`[API_KEY]`);
/// - a string under a secret-sounding key (`password`, `token`, `client_secret`, `apiKey`… —
///   the names `high_entropy_secret` looks for) is replaced whole by `[SECRET]`, since a short
///   or dictionary password passes no entropy test.
/// Numbers, booleans and key names are kept. The result is evidence, not a payload: when it is
/// cut at the cap (on a UTF-8 boundary) it is no longer valid JSON and `truncated` says so.
public struct RecordedArguments: Sendable, Hashable {
    public var text: String
    public var truncated: Bool

    /// The cap on the recorded text, in UTF-8 bytes.
    public static let limit = 4096
    /// What replaces a value held under a secret-sounding key.
    public static let maskedValue = "[SECRET]"

    private static let scanner: GuardrailScanner = {
        let secrets: [GuardrailDetector] = [
            .apiKey, .privateKey, .jwt, .awsAccessKey, .githubToken, .gitlabToken, .slackToken, .highEntropySecret,
        ]
        return GuardrailScanner(builtIn: secrets)
    }()

    public init(_ arguments: JSONValue, limit: Int = RecordedArguments.limit) {
        let masked = Self.mask(arguments, underSecretKey: false)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let full = (try? encoder.encode(masked)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
        guard full.utf8.count > limit else {
            self.text = full
            self.truncated = false
            return
        }
        let bytes = Array(full.utf8)
        var end = max(limit, 0)
        // Back off past continuation bytes so the cut never splits a UTF-8 sequence.
        while end > 0, bytes[end] & 0xC0 == 0x80 { end -= 1 }
        self.text = String(decoding: bytes[..<end], as: UTF8.self)
        self.truncated = true
    }

    /// `value` with every string masked.
    static func mask(_ value: JSONValue, underSecretKey: Bool) -> JSONValue {
        switch value {
        case .string(let text):
            return .string(underSecretKey ? maskedValue : redact(text))
        case .array(let items):
            return .array(items.map { mask($0, underSecretKey: underSecretKey) })
        case .object(let members):
            return .object(members.reduce(into: [:]) { out, member in
                out[member.key] = mask(member.value, underSecretKey: underSecretKey || isSecretName(member.key))
            })
        case .null, .bool, .number:
            return value
        }
    }

    /// `text` with each secret detector match replaced by its placeholder.
    static func redact(_ text: String) -> String {
        let matches = scanner.scan(text)
        guard !matches.isEmpty else { return text }
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var cursor = 0
        for match in matches {
            let range = match.range.clamped(to: 0..<bytes.count)
            if range.lowerBound >= cursor {
                out.append(contentsOf: bytes[cursor..<range.lowerBound])
                out.append(contentsOf: match.detector.placeholder.utf8)
                cursor = range.upperBound
            } else if range.upperBound > cursor {
                cursor = range.upperBound  // overlapping matches merge into the first placeholder
            }
        }
        out.append(contentsOf: bytes[cursor...])
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether a key names a secret: the `high_entropy_secret` name keywords, ignoring case
    /// and `_ - .` (`client_secret`, `apiKey`, `X-Auth-Token`).
    static func isSecretName(_ key: String) -> Bool {
        let normalized = Array(key.utf8.lazy.filter { ASCII.isAlnum($0) }.map { ASCII.lower($0) })
        guard normalized.count <= 64 else { return false }
        return SecretAssignmentDetector.nameKeywords.contains { keyword in
            guard keyword.count <= normalized.count else { return false }
            return (0...(normalized.count - keyword.count)).contains { normalized[$0..<$0 + keyword.count].elementsEqual(keyword) }
        }
    }
}
