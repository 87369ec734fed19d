import Foundation

/// Reads when an upstream that answered 429 will accept requests again.
///
/// Precedence, most explicit first:
/// 1. `retry-after-ms` (OpenAI and Azure OpenAI), milliseconds;
/// 2. `retry-after`, delta seconds or an HTTP-date;
/// 3. the vendor's per-limit reset headers: OpenAI `x-ratelimit-reset-{requests,tokens}` (Go
///    durations such as `6m0s`, relative to receipt) and Anthropic
///    `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-reset` (RFC 3339 instants).
///
/// A 429 does not say which limit it hit, and the reset headers describe every limit. Resets of
/// limits whose `remaining` header reads `0` are the exhausted ones: the latest of those is when
/// the request can succeed. When no limit is marked exhausted, the earliest reset is used: cooling
/// too briefly costs one more 429 and corrects itself, cooling too long (say until a token bucket
/// that was never empty refills) throws capacity away for minutes.
public enum RateLimitHeaders {
    /// One vendor limit: its reset header, the matching remaining header, and how to read it.
    struct Limit: Sendable {
        let reset: String
        let remaining: String
        let relative: Bool
    }

    static let limits: [Limit] = [
        Limit(reset: "x-ratelimit-reset-requests", remaining: "x-ratelimit-remaining-requests", relative: true),
        Limit(reset: "x-ratelimit-reset-tokens", remaining: "x-ratelimit-remaining-tokens", relative: true),
        Limit(reset: "anthropic-ratelimit-requests-reset", remaining: "anthropic-ratelimit-requests-remaining", relative: false),
        Limit(reset: "anthropic-ratelimit-tokens-reset", remaining: "anthropic-ratelimit-tokens-remaining", relative: false),
        Limit(reset: "anthropic-ratelimit-input-tokens-reset", remaining: "anthropic-ratelimit-input-tokens-remaining", relative: false),
        Limit(reset: "anthropic-ratelimit-output-tokens-reset", remaining: "anthropic-ratelimit-output-tokens-remaining", relative: false),
    ]

    /// Every header `retryAt` may consult (lower case), so a transport can keep just these.
    public static let headerNames: [String] = ["retry-after-ms", "retry-after"] + limits.flatMap { [$0.reset, $0.remaining] }

    /// When the upstream says to retry, or `nil` when no header gives a usable answer.
    ///
    /// - Parameters:
    ///   - receivedAt: when the response arrived; relative values count from here.
    ///   - header: looks a header up by its lower-case name (case-insensitively), returning its
    ///     value or `nil`; for example `{ response.header($0) }`. Called at most a dozen times.
    public static func retryAt(receivedAt: Date, header: (String) -> String?) -> Date? {
        if let milliseconds = header("retry-after-ms").flatMap(HeaderTimeFormats.deltaSeconds) {
            return receivedAt.addingTimeInterval(milliseconds / 1000)
        }
        if let value = header("retry-after"), let date = retryAfter(value, receivedAt: receivedAt) {
            return date
        }
        var latestExhausted: Date?
        var earliest: Date?
        for limit in limits {
            guard let value = header(limit.reset) else { continue }
            let reset = limit.relative
                ? HeaderTimeFormats.goDuration(value).map { receivedAt.addingTimeInterval($0) }
                : HeaderTimeFormats.rfc3339(value)
            guard let reset else { continue }
            earliest = min(earliest ?? reset, reset)
            if let remaining = header(limit.remaining), Double(remaining.trimmingCharacters(in: .whitespaces)) == 0 {
                latestExhausted = max(latestExhausted ?? reset, reset)
            }
        }
        return latestExhausted ?? earliest
    }

    /// `retryAt` over a list of header pairs (names matched case-insensitively; first wins).
    public static func retryAt(receivedAt: Date, headers: [(String, String)]) -> Date? {
        retryAt(receivedAt: receivedAt) { name in
            headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
        }
    }

    /// A `retry-after` value: delta seconds from `receivedAt`, or an absolute HTTP-date.
    public static func retryAfter(_ value: String, receivedAt: Date) -> Date? {
        if let seconds = HeaderTimeFormats.deltaSeconds(value) { return receivedAt.addingTimeInterval(seconds) }
        return HeaderTimeFormats.httpDate(value)
    }
}
